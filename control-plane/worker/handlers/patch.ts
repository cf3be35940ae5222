// PATCH in its four dialects. The patch is applied to the stored object here and written back with
// the stored resourceVersion as a precondition; a concurrent write makes it re-read and re-apply,
// as kube-apiserver's GuaranteedUpdate does. Server-side apply creates what does not exist yet.

import type { KubeObject } from "../../../schemas/object.ts";
import { apiVersionOf } from "../../../schemas/registry.ts";
import { ApiError } from "../../api/errors.ts";
import { applyPatch, mediaTypeOf, patchTypes } from "../../api/patch/index.ts";
import type { StoreResult } from "../../durable-objects/store/types.ts";
import { admit, matchUrl } from "../admission.ts";
import { readBody } from "../body.ts";
import { managerOf } from "../managed-fields.ts";
import { parseWriteQuery } from "../query.ts";
import { confirmRbacWrite } from "../rbac-authorizer.ts";
import { objectResponse } from "../respond.ts";
import { unwrap } from "../store-client.ts";
import { type ResourceRequest, readFormat } from "./context.ts";
import { toScale, writeScale } from "./subresources.ts";

const MAX_ATTEMPTS = 5;

function forceParam(q: URLSearchParams): boolean | undefined {
  return q.has("force") ? q.get("force") === "true" : undefined;
}

function isRetryableConflict(r: StoreResult<unknown>): boolean {
  return !r.ok && r.status.code === 409 && r.status.reason === "Conflict";
}

export async function patchObject(req: ResourceRequest, name: string, subresource?: "status"): Promise<Response> {
  const q = parseWriteQuery(req.url);
  const contentType = req.request.headers.get("content-type") ?? "";
  const isApply = mediaTypeOf(contentType) === patchTypes.apply;
  const bytes = await readBody(req.request);
  const manager = managerOf(q.fieldManager, req.request.headers.get("user-agent"), isApply);
  const apiVersion = apiVersionOf(req.rt);
  for (let attempt = 1; ; attempt++) {
    const got = await req.store.get(req.ref, req.namespace, name);
    let live: KubeObject | undefined;
    if (got.ok) live = got.value;
    else if (!(got.status.code === 404 && isApply && !subresource)) unwrap(got);
    const outcome = applyPatch(contentType, live, bytes, {
      manager,
      force: forceParam(req.url.searchParams),
      now: new Date(),
      apiVersion,
    });
    const body = outcome.object as Record<string, unknown>;
    matchUrl(req.rt, body, req.namespace, name);
    const { object, warnings } = admit(req.rt, body, q.fieldValidation, live === undefined);
    await confirmRbacWrite(req, object);
    const opts = { dryRun: q.dryRun, subresource, manager, applied: isApply };
    if (!live) {
      const created = unwrap(await req.store.create(req.ref, object, opts));
      return objectResponse(req.rt, created, readFormat(req), 201, warnings);
    }
    const result = await req.store.update(req.ref, object, opts);
    const sentVersion = object.metadata.resourceVersion;
    if (isRetryableConflict(result) && sentVersion === live.metadata.resourceVersion && attempt < MAX_ATTEMPTS)
      continue;
    return objectResponse(req.rt, unwrap(result), readFormat(req), 200, warnings);
  }
}

/** PATCH of /scale: the patch applies to the Scale view, whose replicas then go to the object. */
export async function patchScale(req: ResourceRequest, name: string): Promise<Response> {
  const contentType = req.request.headers.get("content-type") ?? "";
  if (mediaTypeOf(contentType) === patchTypes.apply) {
    throw new ApiError(415, "UnsupportedMediaType", "server-side apply of the scale subresource is not supported");
  }
  const bytes = await readBody(req.request);
  const live = unwrap(await req.store.get(req.ref, req.namespace, name));
  const scale = toScale(live);
  const outcome = applyPatch(contentType, scale, bytes, { now: new Date(), apiVersion: "autoscaling/v1" });
  return writeScale(req, name, outcome.object as Record<string, unknown>);
}
