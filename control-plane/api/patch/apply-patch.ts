// The one entry point for PATCH bodies: picks the dialect by Content-Type, checks the options
// kube-apiserver checks (PatchOptions validation), parses the body and returns the patched object.
// Pure: `live` is never mutated; the caller stores the result (and, for everything but server-side
// apply, records the write with recordUpdate).

import { parse as parseYaml } from "yaml";
import type { KubeObject, ManagedFieldsEntry } from "../../../schemas/object.ts";
import { badRequest, internalError, invalid, unsupportedMediaType } from "../errors.ts";
import { nestingProblem } from "../json.ts";
import { applyJsonPatch } from "./json-patch.ts";
import { applyMergePatch } from "./merge-patch.ts";
import { patchMetaFor } from "./patch-meta.ts";
import { applyServerSide } from "./server-side-apply.ts";
import { applyStrategicMergePatch } from "./strategic-merge.ts";

export const patchTypes = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
} as const;

export type PatchType = (typeof patchTypes)[keyof typeof patchTypes];

export interface PatchContext {
  /** The fieldManager query parameter; required for server-side apply. */
  manager?: string | undefined;
  /** The force query parameter, when present; only server-side apply accepts it. */
  force?: boolean | undefined;
  now: Date | string;
  /** The API version of the request, e.g. apps/v1. */
  apiVersion: string;
}

export interface PatchOutcome {
  object: KubeObject;
  /** Server-side apply only: the managedFields it computed (also set on object.metadata). */
  managedFields?: ManagedFieldsEntry[];
}

/** The media type of a Content-Type header, without parameters such as `; charset=utf-8`. */
export function mediaTypeOf(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

function isPatchType(value: string): value is PatchType {
  return (Object.values(patchTypes) as string[]).includes(value);
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split("\n")[0] ?? "").trim();
}

function decodeText(body: string | Uint8Array): string {
  if (typeof body === "string") return body;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw badRequest("the body of the request is not valid UTF-8");
  }
}

function parseBody(type: PatchType, text: string): unknown {
  let value: unknown;
  try {
    // Apply bodies may be YAML (kubectl sends JSON, which is YAML too).
    value = type === patchTypes.apply ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(type === patchTypes.apply ? `error decoding YAML: ${firstLine(err)}` : firstLine(err));
  }
  // Every dialect walks the patch recursively: too deep or circular must be a 400, not a stack overflow.
  const problem = nestingProblem(value);
  if (problem) throw badRequest(`the patch cannot be handled: ${problem}`);
  return value;
}

// PatchOptions validation, with kube-apiserver's 422 wording.
function checkOptions(type: PatchType, ctx: PatchContext): void {
  if (type === patchTypes.apply && !ctx.manager) {
    throw invalid(
      "PatchOptions",
      "",
      [{ reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager" }],
      "meta.k8s.io",
    );
  }
  if (type !== patchTypes.apply && ctx.force !== undefined) {
    throw invalid(
      "PatchOptions",
      "",
      [
        {
          reason: "FieldValueForbidden",
          message: "Forbidden: may not be specified for non-apply patch",
          field: "force",
        },
      ],
      "meta.k8s.io",
    );
  }
}

/**
 * Applies a PATCH body to `live`. Unknown media types are 415, bodies that do not parse 400,
 * bad options 422. `live` may be undefined only for server-side apply (which then creates the
 * object); the caller answers 404 for the other dialects before calling.
 */
export function applyPatch(
  contentType: string,
  live: KubeObject | undefined,
  body: string | Uint8Array,
  ctx: PatchContext,
): PatchOutcome {
  const type = mediaTypeOf(contentType);
  if (!isPatchType(type)) throw unsupportedMediaType(contentType);
  checkOptions(type, ctx);
  const parsed = parseBody(type, decodeText(body));

  if (type === patchTypes.apply) {
    return applyServerSide({
      live,
      applied: parsed,
      manager: ctx.manager ?? "",
      force: ctx.force ?? false,
      now: ctx.now,
      apiVersion: ctx.apiVersion,
    });
  }
  if (!live) throw internalError("a patch needs the stored object");
  switch (type) {
    case patchTypes.json:
      return { object: applyJsonPatch(live, parsed) };
    case patchTypes.merge:
      return { object: applyMergePatch(live, parsed) };
    case patchTypes.strategic:
      return { object: applyStrategicMergePatch(live, parsed, patchMetaFor(live.apiVersion, live.kind)) };
  }
}
