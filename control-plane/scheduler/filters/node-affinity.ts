// NodeAffinity (filter): the node must carry every label of spec.nodeSelector (and of the pod's
// RuntimeClass scheduling.nodeSelector, which upstream's admission merges into it) and match one of
// the required node affinity terms. When every term names nodes by metadata.name (DaemonSet pods do),
// only those nodes are considered at all, as upstream's PreFilter narrows the search.

import type { NodeSelectorTerm } from "../../../schemas/core/common.ts";
import { compileNodeLabelMap, compileNodeSelectorTerms, type NodeMatcher } from "../selectors.ts";
import type { FilterPlugin, NodeInfo, PodInfo, Status } from "../types.ts";

export const NODE_AFFINITY = "NodeAffinity";
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
/** Upstream's PreFilter rejection when the terms' node names leave no node. */
export const REASON_AFFINITY_CONFLICT = "pod affinity terms conflict";

const STATUS: Status = { code: "UnschedulableAndUnresolvable", reasons: [REASON_NODE_AFFINITY], plugin: NODE_AFFINITY };

export function requiredTerms(pod: PodInfo): readonly NodeSelectorTerm[] | undefined {
  return pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
}

/** The node names the terms allow, when each term pins nodes by name; undefined when any may do. */
function namedNodes(terms: readonly NodeSelectorTerm[]): Set<string> | undefined {
  let union: Set<string> | undefined;
  for (const term of terms) {
    let names: Set<string> | undefined;
    for (const r of term.matchFields ?? []) {
      if (r.key !== "metadata.name" || r.operator !== "In") continue;
      const values = new Set(r.values ?? []);
      names = names ? new Set([...names].filter((n) => values.has(n))) : values;
    }
    // A term that does not pin names lets any node through (terms are ORed).
    if (!names) return undefined;
    union = union ? new Set([...union, ...names]) : names;
  }
  return union;
}

/** Everything the pod requires of a node's labels and name, or undefined when it requires nothing. */
export function requiredNodeMatcher(pod: PodInfo): NodeMatcher | undefined {
  const checks: NodeMatcher[] = [];
  const own = compileNodeLabelMap(pod.spec.nodeSelector ?? {});
  if (own) checks.push(own);
  const fromRuntimeClass = compileNodeLabelMap(pod.runtimeClass?.nodeSelector ?? {});
  if (fromRuntimeClass) checks.push(fromRuntimeClass);
  const terms = requiredTerms(pod);
  if (terms) checks.push(compileNodeSelectorTerms(terms));
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (node) => checks.every((check) => check(node));
}

export const nodeAffinity: FilterPlugin = {
  name: NODE_AFFINITY,
  prepare(pod) {
    const match = requiredNodeMatcher(pod);
    if (!match) return {};
    const filter = (node: NodeInfo) => (match(node) ? undefined : STATUS);
    const terms = requiredTerms(pod);
    const names = terms && terms.length > 0 ? namedNodes(terms) : undefined;
    if (names && names.size === 0) {
      return {
        reject: { code: "UnschedulableAndUnresolvable", reasons: [REASON_AFFINITY_CONFLICT], plugin: NODE_AFFINITY },
      };
    }
    return names ? { filter, nodeNames: names } : { filter };
  },
};
