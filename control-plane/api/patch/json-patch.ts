// JSON Patch (RFC 6902, application/json-patch+json), applied with fast-json-patch. kubectl's
// `rollout undo` sends one. kube-apiserver answers a patch that is not a JSON array with 400, more
// than 10,000 operations with 413, and an operation that does not apply (failed `test`, missing
// path, bad index, unknown op) with 422 Invalid. Upstream's 422 carries only a generic message
// ("the server rejected our request due to an error in our request"); ours names the operation.

import jsonpatch, { type Operation } from "fast-json-patch";
import type { KubeObject } from "../../../schemas/object.ts";
import { ApiError, badRequest } from "../errors.ts";
import { clone, isRecord } from "./json.ts";

/** kube-apiserver's cap on operations in one JSON patch. */
export const maxJsonPatchOperations = 10_000;

type PatchErrorName = InstanceType<typeof jsonpatch.JsonPatchError>["name"];

// What went wrong, per fast-json-patch error name; its own messages embed the whole document.
const reasons: Partial<Record<PatchErrorName, string>> = {
  TEST_OPERATION_FAILED: "the value differs",
  OPERATION_PATH_UNRESOLVABLE: "the path does not exist",
  OPERATION_PATH_CANNOT_ADD: "the parent of the path does not exist",
  OPERATION_FROM_UNRESOLVABLE: "the from path does not exist",
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: "the path does not name an array index",
  OPERATION_VALUE_OUT_OF_BOUNDS: "the array index is out of range",
  OPERATION_OP_INVALID: "unknown operation",
  OPERATION_PATH_INVALID: "the path must be a string starting with /",
  OPERATION_FROM_REQUIRED: "the from field is required",
  OPERATION_VALUE_REQUIRED: "the value field is required",
  OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED: "the value field is required",
};

function describe(op: Record<string, unknown>, index: number): string {
  const name = typeof op.op === "string" ? op.op : "?";
  const path = typeof op.path === "string" ? op.path : "?";
  const from = typeof op.from === "string" ? ` from ${op.from}` : "";
  return `json patch operation ${index} (${name} ${path}${from})`;
}

/** Parses a JSON Patch body into its operations, or throws 400 / 413 as kube-apiserver does. */
export function decodeJsonPatch(body: unknown): Record<string, unknown>[] {
  if (!Array.isArray(body) || !body.every(isRecord)) {
    throw badRequest("error decoding patch: a JSON patch must be an array of operation objects");
  }
  if (body.length > maxJsonPatchOperations) {
    throw new ApiError(
      413,
      "RequestEntityTooLarge",
      `Request entity too large: The allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${body.length}`,
    );
  }
  return body;
}

/** Applies a JSON Patch to `live` and returns a new object; `live` is never mutated. */
export function applyJsonPatch(live: KubeObject, body: unknown): KubeObject {
  const ops = decodeJsonPatch(body);
  // The patch is cloned too: fast-json-patch inserts `value`s by reference.
  const patch = clone(ops) as unknown as Operation[];
  let result: unknown = clone(live);
  // One operation at a time: fast-json-patch reports index 0 for whatever operation fails.
  patch.forEach((op, index) => {
    // RFC 6902 4.4: a location cannot be moved into one of its children. fast-json-patch does not
    // check, and moving "" (the document) into itself builds a cycle that overflows every later walk.
    const { path, from } = op as { path?: unknown; from?: unknown };
    if (op.op === "move" && typeof from === "string" && typeof path === "string" && path.startsWith(`${from}/`)) {
      throw new ApiError(
        422,
        "Invalid",
        `${describe(ops[index] ?? {}, index)} failed: a location cannot be moved into one of its children`,
      );
    }
    try {
      result = jsonpatch.applyPatch(result, [op], true, true).newDocument;
    } catch (err) {
      if (err instanceof jsonpatch.JsonPatchError) {
        const reason = reasons[err.name] ?? "it does not apply";
        throw new ApiError(422, "Invalid", `${describe(ops[index] ?? {}, index)} failed: ${reason}`);
      }
      // fast-json-patch refuses __proto__ paths with a TypeError.
      if (err instanceof TypeError) throw new ApiError(422, "Invalid", `json patch failed: ${err.message}`);
      throw err;
    }
  });
  if (!isRecord(result) || !isRecord(result.metadata)) {
    throw new ApiError(422, "Invalid", "json patch failed: the patched document is not an object with metadata");
  }
  return result as KubeObject;
}
