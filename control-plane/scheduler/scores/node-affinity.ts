// NodeAffinity (score): the sum of the weights of the pod's preferred node affinity terms that the
// node matches, scaled so the best node gets 100.

import { compileNodeSelectorTerm } from "../selectors.ts";
import type { ScorePlugin } from "../types.ts";
import { defaultNormalize } from "./normalize.ts";

export const NODE_AFFINITY_SCORE = "NodeAffinity";

export const nodeAffinityScore: ScorePlugin = {
  name: NODE_AFFINITY_SCORE,
  weight: 2,
  prepare(pod) {
    const preferred = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const terms = preferred
      .filter((t) => (t.weight ?? 0) !== 0 && t.preference)
      .map((t) => ({ weight: t.weight ?? 0, match: compileNodeSelectorTerm(t.preference ?? {}) }));
    if (terms.length === 0) return undefined;
    return {
      score(node) {
        let sum = 0;
        for (const t of terms) if (t.match(node)) sum += t.weight;
        return sum;
      },
      normalize: (scores) => defaultNormalize(scores, false),
    };
  },
};
