import { describe, expect, it } from "vitest";
import { makeNode, makePod, runFilter, snapshotOf } from "../testing.ts";
import { nodeUnschedulable, REASON_UNSCHEDULABLE } from "./node-unschedulable.ts";

describe("NodeUnschedulable", () => {
  const snapshot = snapshotOf([makeNode("open"), makeNode("cordoned", { unschedulable: true })]);
  const tolerant = { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" };

  it.each([
    ["a schedulable node", "open", [], undefined],
    ["a cordoned node", "cordoned", [], [REASON_UNSCHEDULABLE]],
    ["a cordoned node, tolerated", "cordoned", [tolerant], undefined],
    ["a cordoned node, tolerated by a wildcard", "cordoned", [{ operator: "Exists" }], undefined],
    [
      "a cordoned node, other effect tolerated",
      "cordoned",
      [{ ...tolerant, effect: "NoExecute" }],
      [REASON_UNSCHEDULABLE],
    ],
  ])("%s", (_, node, tolerations, reasons) => {
    const status = runFilter(nodeUnschedulable, snapshot, makePod("p", { tolerations }), node);
    expect(status?.reasons).toEqual(reasons);
    if (status) expect(status.code).toBe("UnschedulableAndUnresolvable");
  });
});
