import { describe, expect, it } from "vitest";
import { makeNode, makePod, runScore, snapshotOf } from "../testing.ts";
import { balancedAllocation, balancedScore } from "./balanced-allocation.ts";

describe("NodeResourcesBalancedAllocation", () => {
  it.each([
    [[0.5, 0.5], 100],
    [[0.5, 0.25], 87],
    [[1, 0], 50],
    [[0.3], 100],
    [[], 100],
  ])("fractions %j score %d", (fractions, score) => {
    expect(balancedScore(fractions)).toBe(score);
  });

  it("prefers the node the pod leaves in balance", () => {
    const snapshot = snapshotOf(
      [makeNode("cpu-heavy"), makeNode("memory-heavy")],
      [
        makePod("a", { nodeName: "cpu-heavy", cpu: "2", memory: "1Gi" }),
        makePod("b", { nodeName: "memory-heavy", cpu: "500m", memory: "4Gi" }),
      ],
    );
    // cpu-heavy: cpu 3/4, memory 3/8 -> 81; memory-heavy: cpu 1.5/4, memory 6/8 -> 81.
    const scores = runScore(balancedAllocation, snapshot, makePod("p", { cpu: "1", memory: "2Gi" }));
    expect(scores).toEqual({ "cpu-heavy": 81, "memory-heavy": 81 });
    // A memory-heavy pod balances the cpu-heavy node: cpu 2/4, memory 5/8 -> 93; other: 1/2 vs 1 -> 75.
    expect(runScore(balancedAllocation, snapshot, makePod("q", { memory: "4Gi" }))).toEqual({
      "cpu-heavy": 93,
      "memory-heavy": 56,
    });
  });

  it("sits out best-effort pods", () => {
    expect(runScore(balancedAllocation, snapshotOf([makeNode("n")]), makePod("p"))).toBeUndefined();
  });
});
