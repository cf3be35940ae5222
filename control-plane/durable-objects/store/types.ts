// The store's typed RPC surface: what the Worker (and later the controller host) asks of it.
// Refusals are results, not exceptions: errors lose their class and fields crossing RPC.

import type { KubeObject, ListMeta } from "../../../schemas/object.ts";
import type { Status } from "../../api/errors.ts";

export type StoreResult<T> = { ok: true; value: T } | { ok: false; status: Status };

/** Which resource (schemas/registry.ts) an operation is about. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** The subresource the write came through: `status` writes keep spec, main writes keep status. */
  subresource?: "status" | "scale";
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  preconditions?: Preconditions;
}

export interface DeleteResult {
  /** The object as it was deleted (its deletion revision), or as marked when it stays (finalizers, grace). */
  object: KubeObject;
  /** True when the object is gone; false when it was only marked for deletion. */
  deleted: boolean;
}

export type ResourceVersionMatch = "NotOlderThan" | "Exact";

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
}

export interface ListResult {
  items: KubeObject[];
  metadata: ListMeta;
}

export type WatchFormat = "json" | "table";

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  /** How each event's object is written: the object itself, or a one-row Table (kubectl get -w). */
  format: WatchFormat;
  includeObject?: "None" | "Metadata" | "Object";
}

export interface DeleteCollectionOptions extends DeleteOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}
