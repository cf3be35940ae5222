// Zone disruption (upstream's handleDisruption): when many nodes of a zone look unhealthy at once,
// the likelier cause is the network or the control plane, not the nodes, and evicting their pods
// would only make things worse. Nodes are grouped by their topology region/zone labels (one zone
// for a cluster without them):
// - FullDisruption: no node of the zone is ready. If every zone is in this state, the controller
//   removes its NoExecute taints everywhere and evicts nothing (it is the control plane's outage);
//   if only some zones are, those are tainted at the normal rate (a zone outage: move the pods).
// - PartialDisruption: more than 2 nodes and at least 55 % of the zone not ready. Zones of at most
//   50 nodes stop adding NoExecute taints; larger ones add them at the secondary rate.
// - Normal: NoExecute taints are added at the normal rate (0.1/s: one node every 10 s).
// The rate is upstream's token bucket (burst 1) made stateless: the newest timeAdded of a
// controller NoExecute taint in the zone is the moment the bucket was last emptied. After a
// control plane start the bucket is full again.

import type { NodeLifecycleConfig } from "./config.ts";
import type { NodeObject } from "./health.ts";

export type ZoneState = "Normal" | "PartialDisruption" | "FullDisruption";

/** Labels nodes carry their placement in (the beta ones still set by older kubelets). */
const REGION_LABELS = ["topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"];
const ZONE_LABELS = ["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"];
/** A node with this label never counts toward a zone's state (it is still tainted and evicted). */
export const EXCLUDE_DISRUPTION_LABEL = "node.kubernetes.io/exclude-disruption";

function firstLabel(node: NodeObject, keys: string[]): string {
  const labels = node.metadata.labels ?? {};
  for (const key of keys) {
    const value = labels[key];
    if (value) return value;
  }
  return "";
}

/** The zone a node belongs to: region and zone joined as upstream does, "" without labels. */
export function zoneKeyOf(node: NodeObject): string {
  const region = firstLabel(node, REGION_LABELS);
  const zone = firstLabel(node, ZONE_LABELS);
  return region === "" && zone === "" ? "" : `${region}:\u0000:${zone}`;
}

export function isExcludedFromDisruption(node: NodeObject): boolean {
  return Object.hasOwn(node.metadata.labels ?? {}, EXCLUDE_DISRUPTION_LABEL);
}

/** A zone's state from the Ready statuses of its nodes ("True" counts as ready, anything else not). */
export function zoneState(readyStatuses: string[], threshold: number): ZoneState {
  const ready = readyStatuses.filter((s) => s === "True").length;
  const notReady = readyStatuses.length - ready;
  if (ready === 0 && notReady > 0) return "FullDisruption";
  if (notReady > 2 && notReady / readyStatuses.length >= threshold) return "PartialDisruption";
  return "Normal";
}

/** NoExecute taints per second a zone may get in `state` (0: none). */
export function taintRate(state: ZoneState, zoneSize: number, config: NodeLifecycleConfig): number {
  if (state === "PartialDisruption") {
    return zoneSize > config.largeClusterSizeThreshold ? config.secondaryEvictionRate : 0;
  }
  return config.evictionRate;
}

export interface ClusterDisruption {
  zones: Map<string, ZoneState>;
  /** Nodes counted per zone (for the large-cluster test). */
  sizes: Map<string, number>;
  /** Every zone fully disrupted (and at least one node counted): evict nothing anywhere. */
  allFullyDisrupted: boolean;
}

/** Zone states from each node's Ready status after this pass (nodes with no Ready condition do not count). */
export function assessDisruption(
  nodes: { node: NodeObject; ready: string | undefined }[],
  config: NodeLifecycleConfig,
): ClusterDisruption {
  const statuses = new Map<string, string[]>();
  for (const { node, ready } of nodes) {
    if (ready === undefined || isExcludedFromDisruption(node)) continue;
    const zone = zoneKeyOf(node);
    const list = statuses.get(zone) ?? [];
    list.push(ready);
    statuses.set(zone, list);
  }
  const zones = new Map<string, ZoneState>();
  const sizes = new Map<string, number>();
  for (const [zone, list] of statuses) {
    zones.set(zone, zoneState(list, config.unhealthyZoneThreshold));
    sizes.set(zone, list.length);
  }
  const allFullyDisrupted = zones.size > 0 && [...zones.values()].every((s) => s === "FullDisruption");
  return { zones, sizes, allFullyDisrupted };
}
