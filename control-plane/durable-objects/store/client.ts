// How other objects and the Worker reach a cluster's store: the stub typed by the interface the
// store implements (see StoreRpc for why), and results turned back into ApiErrors.

import { ApiError } from "../../api/errors.ts";
import type { StoreResult, StoreRpc } from "./types.ts";

/**
 * Store ids by cluster name. idFromName hashes the name on every call, once per request; an id is
 * a plain value that any request may use (a stub is not: it belongs to the request that made it).
 */
const ids = new WeakMap<DurableObjectNamespace, Map<string, DurableObjectId>>();
const MAX_IDS = 1000;

export function storeClient(namespace: DurableObjectNamespace, cluster: string): StoreRpc {
  let byName = ids.get(namespace);
  if (!byName || byName.size >= MAX_IDS) {
    byName = new Map();
    ids.set(namespace, byName);
  }
  let id = byName.get(cluster);
  if (!id) {
    id = namespace.idFromName(`cluster:${cluster}`);
    byName.set(cluster, id);
  }
  return namespace.get(id) as unknown as StoreRpc;
}

export function unwrap<T>(result: StoreResult<T>): T {
  if (result.ok) return result.value;
  const s = result.status;
  throw new ApiError(s.code, s.reason ?? "InternalError", s.message ?? "", s.details);
}
