// Upstream's DefaultNormalizeScore: scale raw scores so the best node gets 100 (integer division),
// or, reversed, so the node with the most of something bad gets 0. All zeros stay zeros (or all 100
// when reversed).

import { MAX_NODE_SCORE } from "../types.ts";

export function defaultNormalize(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const scaled = Math.trunc((MAX_NODE_SCORE * scores[i]!) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - scaled : scaled;
  }
}
