import { describe, expect, it } from "vitest";
import { makeNode, makePod, runFilter, snapshotOf } from "../testing.ts";
import { nodeName, REASON_NODE_NAME } from "./node-name.ts";

describe("NodeName", () => {
  const snapshot = snapshotOf([makeNode("a"), makeNode("b")]);

  it.each([
    ["no node named", undefined, "a", undefined],
    ["the named node", "a", "a", undefined],
    ["another node", "a", "b", [REASON_NODE_NAME]],
  ])("%s", (_, wanted, node, reasons) => {
    const pod = makePod("p", { spec: wanted ? { nodeName: wanted } : {} });
    expect(runFilter(nodeName, snapshot, pod, node)?.reasons).toEqual(reasons);
  });
});
