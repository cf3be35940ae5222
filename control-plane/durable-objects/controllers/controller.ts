// What the host needs of each controller: which keys a committed change makes dirty, and the
// sync of one key (read inputs from the store, run the pure plan, return its actions).

import type { Action } from "../../controllers/types.ts";
import type { Change } from "../store/revision-log.ts";
import type { StoreCore } from "../store/store-core.ts";

export interface ControllerConfig {
  /** Node lease grace period before a node is NotReady (upstream's 40 s). */
  nodeGracePeriodMs: number;
  /** How long events are kept (kube-apiserver's --event-ttl, 1 h). */
  eventTtlMs: number;
  /** The ingress domain ("" when none): LoadBalancer hostnames, hosts reported outside it. */
  ingressDomain: string;
  /** The cluster CA (PEM) published as kube-root-ca.crt in every namespace ("" publishes nothing). */
  rootCaPem: string;
}

export interface HostContext {
  core: StoreCore;
  now: number;
  /** When this control plane instance started: nodes get a fresh grace period from then. */
  startedAt: number;
  config: ControllerConfig;
  random: () => number;
}

export interface Controller {
  readonly name: string;
  /** The component name events and managedFields carry ("deployment-controller"...). */
  readonly manager: string;
  keysFor(change: Change): readonly string[];
  /** The least time between two syncs of one key (default 0): bounds work under bursts of changes. */
  readonly minSyncIntervalMs?: number;
  /** Every key, for a full resync (the host fell behind the compacted history). */
  allKeys(ctx: HostContext): readonly string[];
  /** Keys to sync whenever the host starts (periodic checks that must not wait for a change). */
  startupKeys?(ctx: HostContext): readonly string[];
  sync(key: string, ctx: HostContext): Action[];
}

/** `namespace/name` keys, as sample-controller's MetaNamespaceKeyFunc. */
export function objectKey(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
