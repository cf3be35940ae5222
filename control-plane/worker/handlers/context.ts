// What every resource handler gets: the request, the cluster's store and who is asking.

import type { ResourceType } from "../../../schemas/registry.ts";
import type { ResourceRef } from "../../durable-objects/store/types.ts";
import type { Identity } from "../auth.ts";
import type { ResourcePath } from "../request-path.ts";
import type { ReadFormat } from "../respond.ts";
import { wantsTable } from "../respond.ts";
import type { StoreStub } from "../store-client.ts";

export interface RequestContext {
  env: Env;
  /** The cluster's name ("default" at the root). */
  cluster: string;
  request: Request;
  url: URL;
  store: StoreStub;
  identity: Identity;
  /** The path prefix of the cluster (`/clusters/<name>`), "" for the default cluster. */
  prefix: string;
}

export interface ResourceRequest extends RequestContext {
  rt: ResourceType;
  ref: ResourceRef;
  path: ResourcePath;
  /** The namespace of the request ("" for cluster-scoped resources). */
  namespace: string;
}

export function readFormat(req: ResourceRequest): ReadFormat {
  const include = req.url.search === "" ? null : req.url.searchParams.get("includeObject");
  return {
    table: wantsTable(req.request.headers.get("accept")),
    includeObject: include === "None" || include === "Object" ? include : "Metadata",
  };
}
