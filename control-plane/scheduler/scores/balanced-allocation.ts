// NodeResourcesBalancedAllocation: prefer the node whose cpu and memory would be used in the most
// equal proportion after this pod (score = (1 - standard deviation of the two fractions) * 100), so
// neither resource strands the other. It counts requests as written, and sits out pods that
// request neither cpu nor memory (upstream skips best-effort pods here since 1.32, lest they all
// pile onto one node).

import { MAX_NODE_SCORE, type ScorePlugin } from "../types.ts";

export const BALANCED_ALLOCATION = "NodeResourcesBalancedAllocation";

export function balancedScore(fractions: readonly number[]): number {
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  } else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export const balancedAllocation: ScorePlugin = {
  name: BALANCED_ALLOCATION,
  weight: 1,
  prepare(pod) {
    const cpuRequest = pod.requests.milliCPU;
    const memoryRequest = pod.requests.memory;
    if (cpuRequest === 0 && memoryRequest === 0) return undefined;
    return {
      // Two resources: the standard deviation is half their difference (no arrays in the hot loop).
      score(node) {
        const cpu = node.allocatable.milliCPU;
        const memory = node.allocatable.memory;
        if (cpu === 0 || memory === 0) return MAX_NODE_SCORE;
        const cpuFraction = Math.min(1, (node.requested.milliCPU + cpuRequest) / cpu);
        const memoryFraction = Math.min(1, (node.requested.memory + memoryRequest) / memory);
        return Math.trunc((1 - Math.abs(cpuFraction - memoryFraction) / 2) * MAX_NODE_SCORE);
      },
    };
  },
};
