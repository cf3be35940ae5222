// InterPodAffinity (filter): required pod affinity and anti-affinity on any topology key
// (kubernetes.io/hostname: "not on the same node as"; a zone label: "not in the same zone as").
// Three checks, in upstream's order: the pod's affinity terms must find matching pods in the node's
// domain (or, for the first pod of a group that matches its own terms, no matching pod anywhere);
// its anti-affinity terms must find none there; and no pod already placed may have an anti-affinity
// term that the new pod would break by joining that domain.

import { type AffinityTerm, termMatches } from "../affinity-terms.ts";
import {
  type FilterPlugin,
  type NodeInfo,
  type PodInfo,
  type SnapshotView,
  type Status,
  topologyValue,
} from "../types.ts";

export const INTER_POD_AFFINITY = "InterPodAffinity";
export const REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

const AFFINITY: Status = {
  code: "UnschedulableAndUnresolvable",
  reasons: [REASON_AFFINITY],
  plugin: INTER_POD_AFFINITY,
};
const ANTI: Status = { code: "Unschedulable", reasons: [REASON_ANTI_AFFINITY], plugin: INTER_POD_AFFINITY };
const EXISTING: Status = {
  code: "Unschedulable",
  reasons: [REASON_EXISTING_ANTI_AFFINITY],
  plugin: INTER_POD_AFFINITY,
};

/** Topology domains (key -> values) that hold a pod selected by some term. */
type Domains = Map<string, Set<string>>;

function addDomain(domains: Domains, key: string, node: NodeInfo): void {
  const value = topologyValue(node, key);
  if (value === undefined) return;
  const values = domains.get(key);
  if (values) values.add(value);
  else domains.set(key, new Set([value]));
}

function inDomain(domains: Domains, key: string, node: NodeInfo): boolean {
  const value = topologyValue(node, key);
  return value !== undefined && domains.get(key)?.has(value) === true;
}

/** Domains where placed pods have anti-affinity terms that select the incoming pod. */
function existingAntiAffinityDomains(pod: PodInfo, snapshot: SnapshotView): Domains {
  const domains: Domains = new Map();
  for (const { pod: existing, node } of snapshot.podsWithAffinity) {
    for (const term of existing.affinity?.requiredAntiAffinity ?? []) {
      if (termMatches(term, pod)) addDomain(domains, term.topologyKey, node);
    }
  }
  return domains;
}

function matchesAll(terms: readonly AffinityTerm[], pod: PodInfo): boolean {
  for (const term of terms) if (!termMatches(term, pod)) return false;
  return terms.length > 0;
}

/** Domains holding pods that match all the pod's affinity terms / any of its anti-affinity terms. */
function incomingDomains(pod: PodInfo, snapshot: SnapshotView): { affinity: Domains; anti: Domains } {
  const affinity: Domains = new Map();
  const anti: Domains = new Map();
  const affinityTerms = pod.affinity?.requiredAffinity ?? [];
  const antiTerms = pod.affinity?.requiredAntiAffinity ?? [];
  for (const node of snapshot.nodes) {
    for (const existing of node.pods) {
      if (matchesAll(affinityTerms, existing)) {
        for (const term of affinityTerms) addDomain(affinity, term.topologyKey, node);
      }
      for (const term of antiTerms) if (termMatches(term, existing)) addDomain(anti, term.topologyKey, node);
    }
  }
  return { affinity, anti };
}

export const interPodAffinity: FilterPlugin = {
  name: INTER_POD_AFFINITY,
  prepare(pod, snapshot) {
    const existing = existingAntiAffinityDomains(pod, snapshot);
    const affinityTerms = pod.affinity?.requiredAffinity ?? [];
    const antiTerms = pod.affinity?.requiredAntiAffinity ?? [];
    if (existing.size === 0 && affinityTerms.length === 0 && antiTerms.length === 0) return {};
    const incoming =
      affinityTerms.length + antiTerms.length > 0
        ? incomingDomains(pod, snapshot)
        : { affinity: new Map(), anti: new Map() };
    // The first pod of a group that wants to be near its own kind has nobody to be near yet.
    const selfStarter = incoming.affinity.size === 0 && matchesAll(affinityTerms, pod);
    return {
      filter: (node) => {
        let podsExist = true;
        for (const term of affinityTerms) {
          if (topologyValue(node, term.topologyKey) === undefined) return AFFINITY;
          if (!inDomain(incoming.affinity, term.topologyKey, node)) podsExist = false;
        }
        if (!podsExist && !selfStarter) return AFFINITY;
        for (const term of antiTerms) if (inDomain(incoming.anti, term.topologyKey, node)) return ANTI;
        for (const key of existing.keys()) if (inDomain(existing, key, node)) return EXISTING;
        return undefined;
      },
    };
  },
};
