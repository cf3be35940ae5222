import { describe, expect, it } from "vitest";
import type { NodeSelectorRequirement } from "../../../schemas/core/common.ts";
import { makeNode, makePod, makeRuntimeClass, runFilter, snapshotOf } from "../testing.ts";
import { NODE_AFFINITY, nodeAffinity, REASON_AFFINITY_CONFLICT, REASON_NODE_AFFINITY } from "./node-affinity.ts";

const snapshot = snapshotOf([
  makeNode("pi", { labels: { arch: "arm64", disk: "ssd", cores: "4" } }),
  makeNode("nuc", { labels: { arch: "amd64", cores: "8" } }),
]);

function required(...matchExpressions: NodeSelectorRequirement[]) {
  return {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } },
  };
}

describe("NodeAffinity filter", () => {
  const no = [REASON_NODE_AFFINITY];
  it.each([
    ["nodeSelector matches", { nodeSelector: { arch: "arm64" } }, "pi", undefined],
    ["nodeSelector does not match", { nodeSelector: { arch: "arm64" } }, "nuc", no],
    ["nodeSelector needs every label", { nodeSelector: { arch: "arm64", disk: "hdd" } }, "pi", no],
    ["In", { affinity: required({ key: "arch", operator: "In", values: ["arm64", "riscv"] }) }, "pi", undefined],
    ["In, absent value", { affinity: required({ key: "arch", operator: "In", values: ["riscv"] }) }, "pi", no],
    ["NotIn", { affinity: required({ key: "arch", operator: "NotIn", values: ["arm64"] }) }, "nuc", undefined],
    [
      "NotIn matches a missing label",
      { affinity: required({ key: "disk", operator: "NotIn", values: ["ssd"] }) },
      "nuc",
      undefined,
    ],
    ["Exists", { affinity: required({ key: "disk", operator: "Exists" }) }, "pi", undefined],
    ["Exists, missing", { affinity: required({ key: "disk", operator: "Exists" }) }, "nuc", no],
    ["DoesNotExist", { affinity: required({ key: "disk", operator: "DoesNotExist" }) }, "nuc", undefined],
    ["Gt", { affinity: required({ key: "cores", operator: "Gt", values: ["4"] }) }, "nuc", undefined],
    ["Gt is strict", { affinity: required({ key: "cores", operator: "Gt", values: ["4"] }) }, "pi", no],
    ["Lt", { affinity: required({ key: "cores", operator: "Lt", values: ["5"] }) }, "pi", undefined],
    ["Lt on a missing label", { affinity: required({ key: "ram", operator: "Lt", values: ["5"] }) }, "pi", no],
    [
      "expressions are ANDed",
      {
        affinity: required(
          { key: "arch", operator: "In", values: ["arm64"] },
          { key: "disk", operator: "DoesNotExist" },
        ),
      },
      "pi",
      no,
    ],
    [
      "selector and affinity both apply",
      { nodeSelector: { arch: "amd64" }, affinity: required({ key: "disk", operator: "Exists" }) },
      "pi",
      no,
    ],
  ])("%s", (_, options, node, reasons) => {
    const status = runFilter(nodeAffinity, snapshot, makePod("p", options), node);
    expect(status?.reasons).toEqual(reasons);
    if (status) expect(status.code).toBe("UnschedulableAndUnresolvable");
  });

  it("ORs terms", () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "arch", operator: "In", values: ["riscv"] }] },
            { matchExpressions: [{ key: "cores", operator: "In", values: ["8"] }] },
          ],
        },
      },
    };
    expect(runFilter(nodeAffinity, snapshot, makePod("p", { affinity }), "nuc")).toBeUndefined();
    expect(runFilter(nodeAffinity, snapshot, makePod("p", { affinity }), "pi")?.reasons).toEqual(no);
  });

  it("matches metadata.name fields and narrows the search to the named nodes", () => {
    const pod = makePod("ds", {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["nuc"] }] }],
          },
        },
      },
    });
    const prep = nodeAffinity.prepare(snapshot.podInfo(pod), snapshot);
    expect([...(prep.nodeNames ?? [])]).toEqual(["nuc"]);
    expect(runFilter(nodeAffinity, snapshot, pod, "nuc")).toBeUndefined();
    expect(runFilter(nodeAffinity, snapshot, pod, "pi")?.reasons).toEqual(no);
  });

  it("rejects terms whose node names intersect to nothing", () => {
    const field = (values: string[]) => ({ key: "metadata.name", operator: "In", values });
    const pod = makePod("p", {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [field(["pi"]), field(["nuc"])] }],
          },
        },
      },
    });
    expect(nodeAffinity.prepare(snapshot.podInfo(pod), snapshot).reject).toEqual({
      code: "UnschedulableAndUnresolvable",
      reasons: [REASON_AFFINITY_CONFLICT],
      plugin: NODE_AFFINITY,
    });
  });

  it("applies the RuntimeClass's nodeSelector", () => {
    const rc = makeRuntimeClass("arm", "", { scheduling: { nodeSelector: { arch: "arm64" } } });
    const withClass = snapshotOf(
      snapshot.nodes.map((n) => n.object),
      [],
      [rc],
    );
    const pod = makePod("p", { runtimeClassName: "arm" });
    expect(runFilter(nodeAffinity, withClass, pod, "pi")).toBeUndefined();
    expect(runFilter(nodeAffinity, withClass, pod, "nuc")?.reasons).toEqual(no);
  });

  it("requires nothing of a pod without selectors", () => {
    expect(nodeAffinity.prepare(snapshot.podInfo(makePod("p")), snapshot)).toEqual({});
  });
});
