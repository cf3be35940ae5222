// PodTopologySpread (score): prefer the node whose domains hold the fewest pods the constraints
// count. With no constraints of its own, a pod that has a controller gets upstream's system
// defaults (hostname skew 3, zone skew 5): this is what spreads a ReplicaSet's replicas over nodes.
// Each constraint adds count * log(domains + 2) + (maxSkew - 1); normalisation then gives the
// emptiest node 100.

import { requiredNodeMatcher } from "../filters/node-affinity.ts";
import type { SpreadConstraint } from "../spread.ts";
import { countOnNode, defaultConstraints, explicitConstraints, hasAllKeys, inclusionFilter } from "../spread.ts";
import {
  LABEL_HOSTNAME,
  MAX_NODE_SCORE,
  type NodeInfo,
  type PodInfo,
  type ScorePlugin,
  type SnapshotView,
  topologyValue,
} from "../types.ts";

export const POD_TOPOLOGY_SPREAD_SCORE = "PodTopologySpread";

/** Matching pods per domain value for a non-hostname constraint, over the domains of `feasible`. */
function domainCounts(
  c: SpreadConstraint,
  pod: PodInfo,
  values: ReadonlySet<string>,
  snapshot: SnapshotView,
  requireAll: readonly SpreadConstraint[] | undefined,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, 0);
  // The snapshot keeps per-zone counts by owner: the system default zone constraint of a pod with no
  // node requirements is a lookup, not a walk over the cluster's nodes.
  if (c.ownerUID !== undefined && !requireAll && !requiredNodeMatcher(pod)) {
    for (const v of values) counts.set(v, snapshot.zonePodsByOwner.get(v)?.get(c.ownerUID) ?? 0);
    return counts;
  }
  const included = inclusionFilter(pod);
  for (const node of snapshot.nodes) {
    if (requireAll && !hasAllKeys(node, requireAll)) continue;
    if (!included(c, node)) continue;
    const value = topologyValue(node, c.topologyKey) ?? "";
    const current = counts.get(value);
    if (current !== undefined) counts.set(value, current + countOnNode(c, node, pod.namespace));
  }
  return counts;
}

/** Upstream's normalisation: 100 * (max + min - score) / max; ignored nodes (NaN) score 0. */
function normalizeSpread(scores: number[]): void {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const s of scores) {
    if (Number.isNaN(s)) continue;
    if (s < min) min = s;
    if (s > max) max = s;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) scores[i] = 0;
    else scores[i] = max === 0 ? MAX_NODE_SCORE : Math.trunc((MAX_NODE_SCORE * (max + min - s)) / max);
  }
}

export const podTopologySpreadScore: ScorePlugin = {
  name: POD_TOPOLOGY_SPREAD_SCORE,
  weight: 2,
  prepare(pod, feasible, snapshot) {
    const explicit = (pod.spec.topologySpreadConstraints ?? []).length > 0;
    const constraints = explicit ? explicitConstraints(pod, "ScheduleAnyway") : defaultConstraints(pod);
    if (constraints.length === 0) return undefined;
    // The pod's own constraints need every topology key on a node; the system defaults let nodes
    // without a zone label still spread by hostname.
    const requireAll = explicit ? constraints : undefined;
    const ignored = new Set<NodeInfo>();
    if (requireAll) for (const node of feasible) if (!hasAllKeys(node, requireAll)) ignored.add(node);
    const scored = feasible.length - ignored.size;
    const counts: (Map<string, number> | undefined)[] = [];
    const weights: number[] = [];
    for (const c of constraints) {
      if (c.topologyKey === LABEL_HOSTNAME) {
        counts.push(undefined);
        weights.push(Math.log(scored + 2));
        continue;
      }
      if (!explicit && !snapshot.hasZones) {
        counts.push(new Map());
        weights.push(Math.log(2));
        continue;
      }
      const values = new Set<string>();
      for (const node of feasible) if (!ignored.has(node)) values.add(topologyValue(node, c.topologyKey) ?? "");
      counts.push(domainCounts(c, pod, values, snapshot, requireAll));
      weights.push(Math.log(values.size + 2));
    }
    return {
      score(node) {
        if (ignored.has(node)) return Number.NaN;
        let score = 0;
        for (let i = 0; i < constraints.length; i++) {
          const c = constraints[i]!;
          const value = topologyValue(node, c.topologyKey);
          if (value === undefined) continue;
          const domain = counts[i];
          const count = domain ? (domain.get(value) ?? 0) : countOnNode(c, node, pod.namespace);
          score += count * weights[i]! + (c.maxSkew - 1);
        }
        return Math.round(score);
      },
      normalize: normalizeSpread,
    };
  },
};
