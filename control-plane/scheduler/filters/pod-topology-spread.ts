// PodTopologySpread (filter): for each of the pod's DoNotSchedule constraints, placing the pod in
// the node's domain must keep that domain within maxSkew of the emptiest domain (counted over the
// nodes the pod could use, per nodeAffinityPolicy/nodeTaintsPolicy). A node without the topology
// key cannot be judged and is refused. The soft (ScheduleAnyway) side, and the system defaults that
// spread every ReplicaSet, are scores (scores/pod-topology-spread.ts).

import { countOnNode, explicitConstraints, hasAllKeys, inclusionFilter, selfMatches } from "../spread.ts";
import { type FilterPlugin, type Status, topologyValue } from "../types.ts";

export const POD_TOPOLOGY_SPREAD = "PodTopologySpread";
export const REASON_SPREAD = "node(s) didn't match pod topology spread constraints";
export const REASON_SPREAD_MISSING_LABEL = `${REASON_SPREAD} (missing required label)`;

const SKEW: Status = { code: "Unschedulable", reasons: [REASON_SPREAD], plugin: POD_TOPOLOGY_SPREAD };
const MISSING: Status = {
  code: "UnschedulableAndUnresolvable",
  reasons: [REASON_SPREAD_MISSING_LABEL],
  plugin: POD_TOPOLOGY_SPREAD,
};

export const podTopologySpread: FilterPlugin = {
  name: POD_TOPOLOGY_SPREAD,
  prepare(pod, snapshot) {
    const constraints = explicitConstraints(pod, "DoNotSchedule");
    if (constraints.length === 0) return {};
    const included = inclusionFilter(pod);
    // Matching pods per domain value, per constraint, over every eligible node of the cluster.
    const counts = constraints.map(() => new Map<string, number>());
    for (const node of snapshot.nodes) {
      if (!hasAllKeys(node, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!included(c, node)) return;
        const value = topologyValue(node, c.topologyKey) ?? "";
        const domain = counts[i]!;
        domain.set(value, (domain.get(value) ?? 0) + countOnNode(c, node, pod.namespace));
      });
    }
    // The emptiest domain; with fewer domains than minDomains, the missing ones count as empty.
    const minimum = constraints.map((c, i) => {
      const domain = counts[i]!;
      if (domain.size < c.minDomains) return 0;
      let min = Number.POSITIVE_INFINITY;
      for (const n of domain.values()) if (n < min) min = n;
      return min;
    });
    const self = constraints.map((c) => (selfMatches(c, pod) ? 1 : 0));
    return {
      filter: (node) => {
        for (let i = 0; i < constraints.length; i++) {
          const c = constraints[i]!;
          const value = topologyValue(node, c.topologyKey);
          if (value === undefined) return MISSING;
          const skew = (counts[i]!.get(value) ?? 0) + self[i]! - minimum[i]!;
          if (skew > c.maxSkew) return SKEW;
        }
        return undefined;
      },
    };
  },
};
