// InterPodAffinity (score): every topology domain earns the weights of the preferred terms its pods
// satisfy: the new pod's preferred affinity (+) and anti-affinity (-) toward pods there, and, the
// other way round, those pods' preferred terms toward the new pod and their required affinity
// (weight 1, upstream's hardPodAffinityWeight). A node scores the sum over its domains; min-max
// scaling then maps the range to 0..100.

import { type AffinityTerm, termMatches, type WeightedAffinityTerm } from "../affinity-terms.ts";
import { MAX_NODE_SCORE, type NodeInfo, type PodInfo, type ScorePlugin, topologyValue } from "../types.ts";

export const INTER_POD_AFFINITY_SCORE = "InterPodAffinity";
const HARD_POD_AFFINITY_WEIGHT = 1;

type DomainScores = Map<string, Map<string, number>>;

function add(scores: DomainScores, term: AffinityTerm, node: NodeInfo, amount: number): void {
  const value = topologyValue(node, term.topologyKey);
  if (value === undefined || amount === 0) return;
  const values = scores.get(term.topologyKey) ?? new Map<string, number>();
  scores.set(term.topologyKey, values);
  values.set(value, (values.get(value) ?? 0) + amount);
}

function addTerms(
  scores: DomainScores,
  terms: readonly WeightedAffinityTerm[],
  target: PodInfo,
  node: NodeInfo,
  sign: number,
): void {
  for (const term of terms) if (termMatches(term, target)) add(scores, term, node, sign * term.weight);
}

function minMax(scores: number[]): void {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of scores) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const range = max - min;
  for (let i = 0; i < scores.length; i++) {
    scores[i] = range > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i]! - min)) / range) : 0;
  }
}

export const interPodAffinityScore: ScorePlugin = {
  name: INTER_POD_AFFINITY_SCORE,
  weight: 2,
  prepare(pod, _feasible, snapshot) {
    const own = pod.affinity;
    const hasPreferred = own !== undefined && own.preferredAffinity.length + own.preferredAntiAffinity.length > 0;
    if (!hasPreferred && snapshot.podsWithAffinity.length === 0) return undefined;
    const domains: DomainScores = new Map();
    const visit = (existing: PodInfo, node: NodeInfo) => {
      if (own) {
        addTerms(domains, own.preferredAffinity, existing, node, 1);
        addTerms(domains, own.preferredAntiAffinity, existing, node, -1);
      }
      const theirs = existing.affinity;
      if (!theirs) return;
      for (const term of theirs.requiredAffinity) {
        if (termMatches(term, pod)) add(domains, term, node, HARD_POD_AFFINITY_WEIGHT);
      }
      addTerms(domains, theirs.preferredAffinity, pod, node, 1);
      addTerms(domains, theirs.preferredAntiAffinity, pod, node, -1);
    };
    // Unless the new pod has preferences of its own, only pods with affinity terms can contribute.
    if (hasPreferred) {
      for (const node of snapshot.nodes) for (const existing of node.pods) visit(existing, node);
    } else {
      for (const { pod: existing, node } of snapshot.podsWithAffinity) visit(existing, node);
    }
    if (domains.size === 0) return undefined;
    return {
      score(node) {
        let sum = 0;
        for (const [key, values] of domains) {
          const value = topologyValue(node, key);
          if (value !== undefined) sum += values.get(value) ?? 0;
        }
        return sum;
      },
      normalize: minMax,
    };
  },
};
