// Request bodies: size-capped reading and decoding by Content-Type (JSON, YAML, protobuf).

import { parse as parseYaml } from "yaml";
import { ApiError, badRequest, tooLarge, unsupportedMediaType } from "../api/errors.ts";
import { jsonNestingProblem, nestingProblem } from "../api/json.ts";

/** kube-apiserver's limit on request bodies. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const PROTOBUF = "application/vnd.kubernetes.protobuf";

export function mediaType(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

export async function readBody(request: Request): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge(`the request body is too large: limit is ${MAX_BODY_BYTES} bytes`);
  if (!request.body) return new Uint8Array();
  // A body framed by its Content-Length cannot be longer than declared, and the declared length is
  // within the limit: read it in one native call. A chunked body is counted as it arrives.
  if (request.headers.has("content-length") && !request.headers.has("transfer-encoding"))
    return new Uint8Array(await request.arrayBuffer());
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge(`the request body is too large: limit is ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function bodyText(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw badRequest("the request body is not valid UTF-8");
  }
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest(
      `the request body must be a ${what} object, got ${Array.isArray(value) ? "an array" : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}

export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const problem = jsonNestingProblem(text);
  if (problem) throw badRequest(`the request body cannot be handled: ${problem}`);
  return value;
}

export function parseYamlText(text: string): unknown {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw badRequest(
      `the request body is not valid YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
    );
  }
  const problem = nestingProblem(value);
  if (problem) throw badRequest(`the request body cannot be handled: ${problem}`);
  return value;
}

/** Decodes an object body (create, update, subresource posts) from JSON, YAML or protobuf. */
export async function decodeObjectBody(contentType: string, bytes: Uint8Array): Promise<Record<string, unknown>> {
  if (bytes.byteLength === 0) throw badRequest("the request body is empty");
  switch (contentType) {
    case "application/json":
    case "":
      return asObject(parseJson(bodyText(bytes)), "JSON");
    case "application/yaml":
    case "application/x-yaml":
    case "text/yaml":
      return asObject(parseYamlText(bodyText(bytes)), "YAML");
    case PROTOBUF: {
      // Loaded on first use: building the descriptors costs ~35 ms, which JSON-only isolates never pay.
      const { decodeProtobufObject } = await import("../api/protobuf/decode.ts");
      const decoded = decodeProtobufObject(bytes);
      return { ...decoded.object, apiVersion: decoded.apiVersion, kind: decoded.kind };
    }
    default:
      throw unsupportedMediaType(contentType);
  }
}

/** A DELETE may carry DeleteOptions (JSON or protobuf) or none at all. */
export async function decodeOptionalBody(
  contentType: string,
  bytes: Uint8Array,
): Promise<Record<string, unknown> | undefined> {
  if (bytes.byteLength === 0) return undefined;
  try {
    return await decodeObjectBody(contentType, bytes);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw badRequest(String(err));
  }
}
