import { describe, expect, it } from "vitest";
import { makeNode, makePod, runScore, snapshotOf, taint } from "../testing.ts";
import { taintTolerationScore } from "./taint-toleration.ts";

describe("TaintToleration score", () => {
  const snapshot = snapshotOf([
    makeNode("clean"),
    makeNode("spot", { taints: [taint("spot", "PreferNoSchedule", "true")] }),
    makeNode("spot-old", { taints: [taint("spot", "PreferNoSchedule", "true"), taint("old", "PreferNoSchedule")] }),
    makeNode("hard", { taints: [taint("dedicated", "NoSchedule", "x")] }),
  ]);

  it.each([
    ["no tolerations", [], { clean: 100, spot: 50, "spot-old": 0, hard: 100 }],
    [
      "spot tolerated",
      [{ key: "spot", operator: "Exists", effect: "PreferNoSchedule" }],
      { clean: 100, spot: 100, "spot-old": 0, hard: 100 },
    ],
    [
      "a toleration for any effect counts",
      [{ key: "spot", operator: "Exists" }],
      { clean: 100, spot: 100, "spot-old": 0, hard: 100 },
    ],
    [
      "a NoSchedule toleration does not",
      [{ key: "spot", operator: "Exists", effect: "NoSchedule" }],
      { clean: 100, spot: 50, "spot-old": 0, hard: 100 },
    ],
    ["everything tolerated", [{ operator: "Exists" }], { clean: 100, spot: 100, "spot-old": 100, hard: 100 }],
  ])("%s", (_, tolerations, scores) => {
    expect(runScore(taintTolerationScore, snapshot, makePod("p", { tolerations }))).toEqual(scores);
  });
});
