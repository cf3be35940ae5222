// Responses: JSON objects and lists, Tables for kubectl get, and Status errors.

import type { KubeObject, ListMeta } from "../../schemas/object.ts";
import { apiVersionOf, type ResourceType } from "../../schemas/registry.ts";
import { toStatus } from "../api/errors.ts";
import { toTable } from "../api/table/index.ts";

const JSON_TYPE = "application/json";
const TABLE_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io";
/** A plain init object: no Headers object to build (see jsonText). */
const JSON_HEADERS: Record<string, string> = { "content-type": JSON_TYPE };

/** kubectl prints `Warning: 299 - "text"` headers as `Warning: text`. */
function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

export function json(body: unknown, status = 200, warnings: readonly string[] = []): Response {
  return jsonText(JSON.stringify(body), status, warnings);
}

/** JSON already serialised; the common answer, without warnings, needs no Headers object. */
function jsonText(text: string, status: number, warnings: readonly string[]): Response {
  if (warnings.length === 0) return new Response(text, { status, headers: JSON_HEADERS });
  const headers = new Headers({ "content-type": JSON_TYPE });
  for (const w of warnings) headers.append("warning", warningHeader(w));
  return new Response(text, { status, headers });
}

export function errorResponse(err: unknown): Response {
  const status = toStatus(err);
  const headers = new Headers({ "content-type": JSON_TYPE });
  if (status.details?.retryAfterSeconds) headers.set("retry-after", String(status.details.retryAfterSeconds));
  return new Response(JSON.stringify(status), { status: status.code, headers });
}

export function wantsTable(accept: string | null): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

export type IncludeObject = "None" | "Metadata" | "Object";

export interface ReadFormat {
  table: boolean;
  includeObject: IncludeObject;
}

export function objectResponse(
  rt: ResourceType,
  obj: KubeObject,
  format: ReadFormat,
  status = 200,
  warnings: readonly string[] = [],
): Response {
  if (format.table) {
    const table = toTable(rt, [obj], { includeObject: format.includeObject, now: Date.now() });
    const r = json(table, status, warnings);
    r.headers.set("content-type", TABLE_TYPE);
    return r;
  }
  return json(obj, status, warnings);
}

/** objectResponse for an object the store answered as JSON text: sent as it is unless a Table is wanted. */
export function objectJsonResponse(
  rt: ResourceType,
  text: string,
  format: ReadFormat,
  status = 200,
  warnings: readonly string[] = [],
): Response {
  if (format.table) return objectResponse(rt, JSON.parse(text) as KubeObject, format, status, warnings);
  return jsonText(text, status, warnings);
}

export function listResponse(rt: ResourceType, items: KubeObject[], metadata: ListMeta, format: ReadFormat): Response {
  if (format.table) {
    const r = json(toTable(rt, items, { includeObject: format.includeObject, now: Date.now(), listMeta: metadata }));
    r.headers.set("content-type", TABLE_TYPE);
    return r;
  }
  return json({ kind: rt.listKind, apiVersion: apiVersionOf(rt), metadata, items });
}

export function watchResponse(stream: ReadableStream<Uint8Array>, table: boolean): Response {
  // `identity` keeps workerd from gzipping (and so buffering) the stream.
  return new Response(stream, {
    status: 200,
    headers: {
      "content-type": table ? TABLE_TYPE : JSON_TYPE,
      "content-encoding": "identity",
      "cache-control": "no-cache",
    },
  });
}

export function successStatus(rt: ResourceType, name: string, uid: string | undefined): Response {
  const details: Record<string, string> = { name, group: rt.group, kind: rt.plural };
  if (uid) details.uid = uid;
  return json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details });
}
