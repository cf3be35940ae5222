// How other objects and the Worker reach a cluster's store: the stub typed by the interface the
// store implements (see StoreRpc for why), and results turned back into ApiErrors.

import { ApiError } from "../../api/errors.ts";
import type { StoreResult, StoreRpc } from "./types.ts";

export function storeClient(namespace: DurableObjectNamespace, cluster: string): StoreRpc {
  return namespace.get(namespace.idFromName(`cluster:${cluster}`)) as unknown as StoreRpc;
}

export function unwrap<T>(result: StoreResult<T>): T {
  if (result.ok) return result.value;
  const s = result.status;
  throw new ApiError(s.code, s.reason ?? "InternalError", s.message ?? "", s.details);
}
