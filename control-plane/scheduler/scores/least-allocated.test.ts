import { describe, expect, it } from "vitest";
import { makeNode, makePod, runScore, snapshotOf } from "../testing.ts";
import { leastAllocated, leastRequested } from "./least-allocated.ts";

describe("NodeResourcesFit score (LeastAllocated)", () => {
  it.each([
    [0, 4000, 100],
    [1000, 4000, 75],
    [3999, 4000, 0],
    [4000, 4000, 0],
    [5000, 4000, 0],
    [1, 0, 0],
  ])("requested %d of %d scores %d", (requested, capacity, score) => {
    expect(leastRequested(requested, capacity)).toBe(score);
  });

  it("averages cpu and memory, counting the pod and the node's pods", () => {
    const snapshot = snapshotOf(
      [makeNode("empty"), makeNode("half")],
      [makePod("running", { nodeName: "half", cpu: "1", memory: "2Gi" })],
    );
    // empty: cpu (4000-1000)/4000 = 75, memory (8-2)/8 = 75; half: 50 and 50.
    expect(runScore(leastAllocated, snapshot, makePod("p", { cpu: "1", memory: "2Gi" }))).toEqual({
      empty: 75,
      half: 50,
    });
    // cpu 75 (3000/4000), memory 50 (4/8): (75 + 50) / 2 = 62 (integer division).
    expect(runScore(leastAllocated, snapshot, makePod("q", { cpu: "1", memory: "4Gi" }), ["empty"])).toEqual({
      empty: 62,
    });
  });

  it("charges 100m / 200Mi for a pod that requests nothing", () => {
    const snapshot = snapshotOf([makeNode("n", { cpu: "1", memory: "1000Mi" })]);
    // cpu (1000-100)*100/1000 = 90, memory (1000-200)*100/1000 = 80.
    expect(runScore(leastAllocated, snapshot, makePod("p"))).toEqual({ n: 85 });
  });
});
