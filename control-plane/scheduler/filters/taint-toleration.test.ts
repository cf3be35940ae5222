import { describe, expect, it } from "vitest";
import type { Toleration } from "../../../schemas/core/common.ts";
import { makeNode, makePod, runFilter, snapshotOf, taint } from "../testing.ts";
import { REASON_UNTOLERATED_TAINT, taintToleration } from "./taint-toleration.ts";

describe("TaintToleration filter", () => {
  const snapshot = snapshotOf([
    makeNode("clean"),
    makeNode("control-plane", { taints: [taint("node-role.kubernetes.io/control-plane", "NoSchedule")] }),
    makeNode("gpu", { taints: [taint("dedicated", "NoSchedule", "gpu")] }),
    makeNode("draining", { taints: [taint("maintenance", "NoExecute", "true")] }),
    makeNode("soft", { taints: [taint("spot", "PreferNoSchedule", "true")] }),
    makeNode("not-ready", { taints: [taint("node.kubernetes.io/not-ready", "NoSchedule")] }),
    makeNode("unreachable", {
      taints: [
        taint("node.kubernetes.io/unreachable", "NoSchedule"),
        taint("node.kubernetes.io/unreachable", "NoExecute"),
      ],
    }),
  ]);
  const untolerated = [REASON_UNTOLERATED_TAINT];
  const cases: [string, string, Toleration[], string[] | undefined][] = [
    ["no taints", "clean", [], undefined],
    ["NoSchedule, not tolerated", "control-plane", [], untolerated],
    [
      "NoSchedule, Exists on the key",
      "control-plane",
      [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }],
      undefined,
    ],
    [
      "Equal with the value",
      "gpu",
      [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
      undefined,
    ],
    ["no operator means Equal", "gpu", [{ key: "dedicated", value: "gpu" }], undefined],
    ["Equal with another value", "gpu", [{ key: "dedicated", operator: "Equal", value: "cpu" }], untolerated],
    ["effect must match", "gpu", [{ key: "dedicated", value: "gpu", effect: "NoExecute" }], untolerated],
    ["empty key with Exists tolerates everything", "gpu", [{ operator: "Exists" }], undefined],
    ["another key is not tolerated", "gpu", [{ key: "gpu", operator: "Exists" }], untolerated],
    ["NoExecute, not tolerated", "draining", [], untolerated],
    ["NoExecute, tolerated", "draining", [{ key: "maintenance", operator: "Exists", effect: "NoExecute" }], undefined],
    ["PreferNoSchedule never filters", "soft", [], undefined],
    ["not-ready node", "not-ready", [], untolerated],
    [
      "not-ready node, tolerated",
      "not-ready",
      [{ key: "node.kubernetes.io/not-ready", operator: "Exists" }],
      undefined,
    ],
    [
      "unreachable, only NoExecute tolerated",
      "unreachable",
      [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }],
      untolerated,
    ],
    [
      "unreachable, both tolerated",
      "unreachable",
      [{ key: "node.kubernetes.io/unreachable", operator: "Exists" }],
      undefined,
    ],
  ];

  it.each(cases)("%s", (_, node, tolerations, reasons) => {
    const status = runFilter(taintToleration, snapshot, makePod("p", { tolerations }), node);
    expect(status?.reasons).toEqual(reasons);
    if (status) expect(status.code).toBe("UnschedulableAndUnresolvable");
  });

  it("honours the tolerations of the pod's RuntimeClass", () => {
    const withClass = snapshotOf(
      [makeNode("gpu", { taints: [taint("dedicated", "NoSchedule", "gpu")] })],
      [],
      [
        {
          apiVersion: "node.k8s.io/v1",
          kind: "RuntimeClass",
          metadata: { name: "gpu" },
          handler: "",
          scheduling: { tolerations: [{ key: "dedicated", operator: "Exists" }] },
        },
      ],
    );
    expect(runFilter(taintToleration, withClass, makePod("p", { runtimeClassName: "gpu" }), "gpu")).toBeUndefined();
  });
});
