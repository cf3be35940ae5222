// Routes a parsed resource path and method to its handler.

import { resourceFor, reviewFor } from "../../../schemas/registry.ts";
import { ApiError } from "../../api/errors.ts";
import { authorizeNode } from "../node-authorizer.ts";
import { authorizeRbac, decidedByRbac } from "../rbac-authorizer.ts";
import type { ResourcePath } from "../request-path.ts";
import type { RequestContext, ResourceRequest } from "./context.ts";
import { patchObject } from "./patch.ts";
import { getObject, listOrWatch } from "./read.ts";
import { handleReview } from "./reviews.ts";
import { handleSubresource } from "./subresources.ts";
import { createObject, deleteCollection, deleteObject, replaceObject } from "./write.ts";

export function notFoundPath(): ApiError {
  return new ApiError(404, "NotFound", "the server could not find the requested resource", {});
}

export function methodNotAllowed(method: string, what: string): ApiError {
  return new ApiError(
    405,
    "MethodNotAllowed",
    `the server does not allow this method on the requested resource: ${method} ${what}`,
  );
}

export async function handleResource(ctx: RequestContext, path: ResourcePath): Promise<Response> {
  const review = reviewFor(path.group, path.version, path.plural);
  if (review) return handleReview(ctx, review, path);
  const rt = resourceFor(path.group, path.version, path.plural);
  if (!rt) throw notFoundPath();
  // A namespaced resource is addressed per namespace, except for lists across all of them.
  if (!rt.namespaced && path.namespace !== undefined) throw notFoundPath();
  if (rt.namespaced && path.namespace === undefined && (path.name !== undefined || ctx.request.method !== "GET")) {
    throw notFoundPath();
  }
  const req: ResourceRequest = {
    ...ctx,
    rt,
    path,
    ref: { group: rt.group, version: rt.version, plural: rt.plural },
    namespace: rt.namespaced ? (path.namespace ?? "") : "",
  };
  if (ctx.identity.node !== undefined) await authorizeNode(ctx.identity, req);
  else if (decidedByRbac(ctx.identity)) await authorizeRbac(ctx.identity, req);
  const method = ctx.request.method;
  if (path.subresource !== undefined) {
    if (path.name === undefined) throw notFoundPath();
    return handleSubresource(req, path.name, path.subresource);
  }
  if (path.name === undefined) {
    if (method === "GET") return listOrWatch(req);
    if (method === "POST") return createObject(req);
    // Namespaces have no deletecollection (as upstream, and as discovery says): each one must go
    // through a delete, which removes its content with it.
    if (method === "DELETE" && rt.plural !== "namespaces") return deleteCollection(req);
    throw methodNotAllowed(method, rt.plural);
  }
  if (path.legacyWatch) return listOrWatch({ ...req, url: withNameSelector(req.url, path.name) });
  switch (method) {
    case "GET":
      return getObject(req, path.name);
    case "PUT":
      return replaceObject(req, path.name);
    case "PATCH":
      return patchObject(req, path.name);
    case "DELETE":
      return deleteObject(req, path.name);
    default:
      throw methodNotAllowed(method, rt.plural);
  }
}

/** /watch/.../pods/<name> watches one object: a metadata.name field selector. */
function withNameSelector(url: URL, name: string): URL {
  const next = new URL(url);
  const existing = next.searchParams.get("fieldSelector");
  next.searchParams.set("fieldSelector", existing ? `${existing},metadata.name=${name}` : `metadata.name=${name}`);
  return next;
}
