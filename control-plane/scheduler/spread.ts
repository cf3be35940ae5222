// Topology spread constraints as PodTopologySpread reads them: the pod's own
// (spec.topologySpreadConstraints) or, when it has none, the system defaults upstream applies to
// every pod that a Service or controller selects: at most skew 3 per hostname and 5 per zone, both
// soft. kflare approximates "the pods that controller selects" by "the pods with the same controller
// owner", which the snapshot keeps counts of, so spreading a ReplicaSet costs O(1) per node.

import type { TopologySpreadConstraint } from "../../schemas/core/affinity.ts";
import type { LabelSelectorRequirement } from "../../schemas/meta.ts";
import { requiredNodeMatcher } from "./filters/node-affinity.ts";
import { compileLabelSelector, type LabelMatcher } from "./selectors.ts";
import { firstUntolerated } from "./tolerations.ts";
import { LABEL_HOSTNAME, LABEL_ZONE, type NodeInfo, type PodInfo, topologyValue } from "./types.ts";

export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly minDomains: number;
  /** Counts by controller owner (system defaults) or by label selector (the pod's own constraints). */
  readonly ownerUID: string | undefined;
  readonly selector: LabelMatcher;
  readonly honorNodeAffinity: boolean;
  readonly honorNodeTaints: boolean;
}

function explicitSelector(c: TopologySpreadConstraint, pod: PodInfo): LabelMatcher {
  const extra: LabelSelectorRequirement[] = [];
  for (const key of c.matchLabelKeys ?? []) {
    const value = pod.labels[key];
    if (value !== undefined) extra.push({ key, operator: "In", values: [value] });
  }
  if (extra.length === 0 || !c.labelSelector) return compileLabelSelector(c.labelSelector);
  return compileLabelSelector({
    ...c.labelSelector,
    matchExpressions: [...(c.labelSelector.matchExpressions ?? []), ...extra],
  });
}

/** The pod's own constraints with the given whenUnsatisfiable. */
export function explicitConstraints(pod: PodInfo, when: "DoNotSchedule" | "ScheduleAnyway"): SpreadConstraint[] {
  return (pod.spec.topologySpreadConstraints ?? [])
    .filter((c) => (c.whenUnsatisfiable ?? "DoNotSchedule") === when)
    .map((c) => ({
      maxSkew: c.maxSkew ?? 1,
      topologyKey: c.topologyKey ?? "",
      minDomains: c.minDomains ?? 1,
      ownerUID: undefined,
      selector: explicitSelector(c, pod),
      honorNodeAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
      honorNodeTaints: (c.nodeTaintsPolicy ?? "Ignore") === "Honor",
    }));
}

/** Upstream's system default constraints, for a pod with a controller and no constraints of its own. */
export function defaultConstraints(pod: PodInfo): SpreadConstraint[] {
  if (pod.ownerUID === undefined) return [];
  const base = {
    minDomains: 1,
    ownerUID: pod.ownerUID,
    selector: () => false,
    honorNodeAffinity: true,
    honorNodeTaints: false,
  };
  return [
    { ...base, maxSkew: 3, topologyKey: LABEL_HOSTNAME },
    { ...base, maxSkew: 5, topologyKey: LABEL_ZONE },
  ];
}

/** Pods on the node the constraint counts: same namespace, selected, not terminating. */
export function countOnNode(c: SpreadConstraint, node: NodeInfo, namespace: string): number {
  if (c.ownerUID !== undefined) return node.podsByOwner.get(c.ownerUID) ?? 0;
  let n = 0;
  for (const p of node.pods) if (!p.terminating && p.namespace === namespace && c.selector(p.labels)) n++;
  return n;
}

/** Whether the pod itself would count toward the constraint once placed. */
export function selfMatches(c: SpreadConstraint, pod: PodInfo): boolean {
  return c.ownerUID !== undefined ? c.ownerUID === pod.ownerUID : c.selector(pod.labels);
}

/** nodeAffinityPolicy / nodeTaintsPolicy: whether a node's pods count toward the pod's domains. */
export function inclusionFilter(pod: PodInfo): (c: SpreadConstraint, node: NodeInfo) => boolean {
  const required = requiredNodeMatcher(pod);
  return (c, node) => {
    if (c.honorNodeAffinity && required && !required(node)) return false;
    if (c.honorNodeTaints && firstUntolerated(node.hardTaints, pod.tolerations)) return false;
    return true;
  };
}

export function hasAllKeys(node: NodeInfo, constraints: readonly SpreadConstraint[]): boolean {
  for (const c of constraints) if (topologyValue(node, c.topologyKey) === undefined) return false;
  return true;
}
