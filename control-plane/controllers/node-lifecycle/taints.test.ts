import { describe, expect, it } from "vitest";
import type { Toleration } from "../../../schemas/core/common.ts";
import type { Taint } from "../../../schemas/core/node.ts";
import { noScheduleTaintKeys, reconcileTaints, tolerates, withDefaultTolerations } from "./taints.ts";

const GPU: Taint = { key: "dedicated", value: "gpu", effect: "NoExecute" };

describe("tolerates", () => {
  const cases: [string, Toleration, boolean][] = [
    ["Equal with the same value", { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoExecute" }, true],
    ["Equal is the default operator", { key: "dedicated", value: "gpu" }, true],
    ["Equal with another value", { key: "dedicated", value: "cpu" }, false],
    ["Exists on the key, any effect", { key: "dedicated", operator: "Exists" }, true],
    ["Exists with no key: everything", { operator: "Exists" }, true],
    ["another effect", { key: "dedicated", operator: "Exists", effect: "NoSchedule" }, false],
    ["another key", { key: "other", operator: "Exists" }, false],
    ["an unknown operator", { key: "dedicated", operator: "Gt", value: "1" }, false],
  ];
  it.each(cases)("%s", (_name, toleration, expected) => {
    expect(tolerates(toleration, GPU)).toBe(expected);
  });
});

describe("withDefaultTolerations", () => {
  it("adds the not-ready and unreachable tolerations a pod lacks", () => {
    const own: Toleration = {
      key: "node.kubernetes.io/unreachable",
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: 5,
    };
    expect(withDefaultTolerations([own], 300)).toEqual([
      own,
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    ]);
    expect(withDefaultTolerations([{ operator: "Exists" }], 300)).toEqual([{ operator: "Exists" }]);
  });
});

describe("noScheduleTaintKeys", () => {
  it("follows Ready, the pressure conditions, NetworkUnavailable and cordoning", () => {
    const conditions = [
      { type: "Ready", status: "False" },
      { type: "MemoryPressure", status: "True" },
      { type: "DiskPressure", status: "False" },
      { type: "NetworkUnavailable", status: "True" },
      { type: "PIDPressure", status: "True" },
    ];
    expect(noScheduleTaintKeys(conditions, true)).toEqual([
      "node.kubernetes.io/not-ready",
      "node.kubernetes.io/memory-pressure",
      "node.kubernetes.io/network-unavailable",
      "node.kubernetes.io/pid-pressure",
      "node.kubernetes.io/unschedulable",
    ]);
  });
});

describe("reconcileTaints", () => {
  it("keeps others' taints and the timeAdded of a managed taint that stays", () => {
    const stays: Taint = {
      key: "node.kubernetes.io/unreachable",
      effect: "NoExecute",
      timeAdded: "2026-03-01T09:00:00Z",
    };
    const existing: Taint[] = [GPU, stays];
    const fresh: Taint = { ...stays, timeAdded: "2026-03-01T10:00:00Z" };
    expect(reconcileTaints(existing, [], [fresh])).toBeUndefined();
    expect(reconcileTaints(existing, ["node.kubernetes.io/unreachable"], [fresh])).toEqual([
      GPU,
      stays,
      { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" },
    ]);
    expect(reconcileTaints(existing, [], [])).toEqual([GPU]);
  });
});
