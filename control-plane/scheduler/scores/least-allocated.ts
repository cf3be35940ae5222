// NodeResourcesFit (score, LeastAllocated strategy, cpu and memory weighted 1:1): prefer the node
// with the most room left after this pod, so pods spread over nodes rather than pile up. Pods that
// request no cpu or memory count as 100m / 200Mi here (upstream's non-zero defaults), both for the
// pod being placed and for those already on the node.

import { MAX_NODE_SCORE, type ScorePlugin } from "../types.ts";

export const NODE_RESOURCES_FIT_SCORE = "NodeResourcesFit";

/** ((capacity - requested) * 100) / capacity, 0 when the node would be over-committed. */
export function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export const leastAllocated: ScorePlugin = {
  name: NODE_RESOURCES_FIT_SCORE,
  weight: 1,
  prepare(pod) {
    return {
      score(node) {
        let total = 0;
        let weights = 0;
        const cpu = node.allocatable.milliCPU;
        if (cpu > 0) {
          total += leastRequested(node.nonZeroCPU + pod.nonZeroCPU, cpu);
          weights++;
        }
        const memory = node.allocatable.memory;
        if (memory > 0) {
          total += leastRequested(node.nonZeroMemory + pod.nonZeroMemory, memory);
          weights++;
        }
        return weights === 0 ? 0 : Math.trunc(total / weights);
      },
    };
  },
};
