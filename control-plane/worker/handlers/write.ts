// Create (POST), replace (PUT), delete and deletecollection.

import type { KubeObject } from "../../../schemas/object.ts";
import { badRequest } from "../../api/errors.ts";
import type { DeleteOptions } from "../../durable-objects/store/types.ts";
import { admit, matchUrl } from "../admission.ts";
import { decodeObjectBody, decodeOptionalBody, mediaType, readBody } from "../body.ts";
import { managerOf } from "../managed-fields.ts";
import { parseDeleteQuery, parseWriteQuery } from "../query.ts";
import { confirmRbacWrite } from "../rbac-authorizer.ts";
import { listResponse, objectJsonResponse, objectResponse, successStatus } from "../respond.ts";
import { unwrap } from "../store-client.ts";
import { type ResourceRequest, readFormat } from "./context.ts";

export async function createObject(req: ResourceRequest): Promise<Response> {
  const q = parseWriteQuery(req.url);
  const body = await decodeObjectBody(mediaType(req.request), await readBody(req.request));
  matchUrl(req.rt, body, req.namespace);
  const { object, warnings } = admit(req.rt, body, q.fieldValidation, true);
  await confirmRbacWrite(req, object);
  const manager = managerOf(q.fieldManager, req.request.headers.get("user-agent"), false);
  // Strings cross to the store and back: see StoreCore.createJson.
  const created = unwrap(await req.store.createJson(req.ref, JSON.stringify(object), { dryRun: q.dryRun, manager }));
  return objectJsonResponse(req.rt, created, readFormat(req), 201, warnings);
}

export async function replaceObject(req: ResourceRequest, name: string, subresource?: "status"): Promise<Response> {
  const q = parseWriteQuery(req.url);
  const body = await decodeObjectBody(mediaType(req.request), await readBody(req.request));
  matchUrl(req.rt, body, req.namespace, name);
  const { object, warnings } = admit(req.rt, body, q.fieldValidation, false);
  await confirmRbacWrite(req, object);
  const manager = managerOf(q.fieldManager, req.request.headers.get("user-agent"), false);
  const updated = unwrap(await req.store.update(req.ref, object, { dryRun: q.dryRun, subresource, manager }));
  return objectResponse(req.rt, updated, readFormat(req), 200, warnings);
}

const POLICIES = new Set(["Orphan", "Background", "Foreground"]);

/** DeleteOptions from the body (JSON or protobuf) and the query, checked. */
export function deleteOptions(raw: Record<string, unknown>): DeleteOptions {
  const out: DeleteOptions = {};
  if (raw.gracePeriodSeconds !== undefined && raw.gracePeriodSeconds !== null) {
    const g = Number(raw.gracePeriodSeconds);
    if (!Number.isSafeInteger(g))
      throw badRequest(`gracePeriodSeconds: Invalid value: ${String(raw.gracePeriodSeconds)}`);
    out.gracePeriodSeconds = g;
  }
  if (raw.propagationPolicy !== undefined && raw.propagationPolicy !== null) {
    const p = String(raw.propagationPolicy);
    if (!POLICIES.has(p)) {
      throw badRequest(
        `propagationPolicy: Unsupported value: "${p}": supported values: "Foreground", "Background", "Orphan"`,
      );
    }
    out.propagationPolicy = p as DeleteOptions["propagationPolicy"];
  } else if (raw.orphanDependents === true) out.propagationPolicy = "Orphan";
  else if (raw.orphanDependents === false) out.propagationPolicy = "Background";
  const dry = raw.dryRun;
  if (Array.isArray(dry) && dry.length > 0) out.dryRun = true;
  const pre = raw.preconditions as { uid?: string; resourceVersion?: string } | undefined;
  if (pre && typeof pre === "object") out.preconditions = { uid: pre.uid, resourceVersion: pre.resourceVersion };
  return out;
}

async function readDeleteOptions(req: ResourceRequest): Promise<DeleteOptions> {
  const body = (await decodeOptionalBody(mediaType(req.request), await readBody(req.request))) ?? {};
  return deleteOptions({ ...parseDeleteQuery(req.url.searchParams), ...body });
}

export async function deleteObject(req: ResourceRequest, name: string): Promise<Response> {
  const opts = await readDeleteOptions(req);
  const result = unwrap(await req.store.delete(req.ref, req.namespace, name, opts));
  // An object that stays (grace period, finalizers) comes back as itself; one that is gone as a Status.
  if (!result.deleted) return objectResponse(req.rt, result.object, readFormat(req), 200);
  return successStatus(req.rt, name, result.object.metadata.uid);
}

export async function deleteCollection(req: ResourceRequest): Promise<Response> {
  const opts = await readDeleteOptions(req);
  const q = req.url.searchParams;
  const items: KubeObject[] = unwrap(
    await req.store.deleteCollection(req.ref, {
      ...opts,
      namespace: req.rt.namespaced ? req.path.namespace : undefined,
      labelSelector: q.get("labelSelector") ?? undefined,
      fieldSelector: q.get("fieldSelector") ?? undefined,
    }),
  );
  return listResponse(req.rt, items, {}, { table: false, includeObject: "Metadata" });
}
