// The Worker's side of the store RPC: which Durable Object serves a cluster, and results turned
// back into ApiErrors.

import { ApiError } from "../api/errors.ts";
import type { StoreResult, StoreRpc } from "../durable-objects/store/types.ts";

export type StoreStub = StoreRpc;

/** The store of a cluster, typed by the interface ClusterStore implements (see StoreRpc for why). */
export function storeClient(namespace: DurableObjectNamespace, cluster: string): StoreRpc {
  return namespace.get(namespace.idFromName(`cluster:${cluster}`)) as unknown as StoreRpc;
}

export function storeFor(env: Env, cluster: string): StoreRpc {
  return storeClient(env.CLUSTER_STORE, cluster);
}

export function unwrap<T>(result: StoreResult<T>): T {
  if (result.ok) return result.value;
  const s = result.status;
  throw new ApiError(s.code, s.reason ?? "InternalError", s.message ?? "", s.details);
}
