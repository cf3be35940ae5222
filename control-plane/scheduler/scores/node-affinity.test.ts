import { describe, expect, it } from "vitest";
import { makeNode, makePod, runScore, snapshotOf } from "../testing.ts";
import { nodeAffinityScore } from "./node-affinity.ts";

describe("NodeAffinity score", () => {
  const snapshot = snapshotOf([
    makeNode("ssd-arm", { labels: { disk: "ssd", arch: "arm64" } }),
    makeNode("ssd", { labels: { disk: "ssd" } }),
    makeNode("plain"),
  ]);
  const prefer = (weight: number, key: string, value: string) => ({
    weight,
    preference: { matchExpressions: [{ key, operator: "In", values: [value] }] },
  });

  it("sums matching weights and scales the best to 100", () => {
    const affinity = {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [prefer(30, "disk", "ssd"), prefer(10, "arch", "arm64")],
      },
    };
    expect(runScore(nodeAffinityScore, snapshot, makePod("p", { affinity }))).toEqual({
      "ssd-arm": 100,
      ssd: 75,
      plain: 0,
    });
  });

  it("gives every node 0 when none matches", () => {
    const affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [prefer(5, "gpu", "yes")] } };
    expect(runScore(nodeAffinityScore, snapshot, makePod("p", { affinity }))).toEqual({
      "ssd-arm": 0,
      ssd: 0,
      plain: 0,
    });
  });

  it("is skipped without preferences", () => {
    expect(runScore(nodeAffinityScore, snapshot, makePod("p"))).toBeUndefined();
  });
});
