import { describe, expect, it } from "vitest";
import { nextBatch, type PodKey } from "./scheduler.ts";

const pod = (i: number): PodKey => ({ namespace: "default", name: `p${i}` });
const names = (pods: PodKey[]) => pods.map((p) => p.name);

describe("scheduler batches", () => {
  it("takes everything when it fits in one batch", () => {
    const all = [pod(1), pod(2)];
    expect(names(nextBatch(all, new Map(), 5, 1))).toEqual(["p1", "p2"]);
  });

  it("bounds a batch, and pods that fit nowhere cannot starve the rest", () => {
    const tried = new Map<string, number>();
    const all = [1, 2, 3, 4, 5].map(pod);
    expect(names(nextBatch(all, tried, 2, 10))).toEqual(["p1", "p2"]);
    // p1 and p2 stayed pending (fit nowhere): the next batches take the others first.
    expect(names(nextBatch(all, tried, 2, 20))).toEqual(["p3", "p4"]);
    expect(names(nextBatch(all, tried, 2, 30))).toEqual(["p5", "p1"]);
  });

  it("forgets pods that were bound or deleted", () => {
    const tried = new Map<string, number>();
    nextBatch([1, 2, 3].map(pod), tried, 2, 10);
    nextBatch([pod(3)], tried, 2, 20);
    expect([...tried.keys()]).toEqual(["default/p3"]);
  });
});
