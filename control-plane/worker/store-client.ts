// The Worker's side of the store RPC: which Durable Object serves a cluster.

import { storeClient } from "../durable-objects/store/client.ts";
import type { StoreRpc } from "../durable-objects/store/types.ts";

export { storeClient, unwrap } from "../durable-objects/store/client.ts";

export type StoreStub = StoreRpc;

export function storeFor(env: Env, cluster: string): StoreRpc {
  return storeClient(env.CLUSTER_STORE, cluster);
}
