import { describe, expect, it } from "vitest";
import { makeNode, makePod, type PodOptions, runFilter, snapshotOf } from "../testing.ts";
import { insufficient, nodeResourcesFit, REASON_TOO_MANY_PODS } from "./node-resources-fit.ts";

const node = makeNode("n", {
  cpu: "2",
  memory: "4Gi",
  pods: "3",
  ephemeral: "10Gi",
  extended: { "example.com/gpu": "1" },
});

function check(pod: PodOptions, running: PodOptions[] = []) {
  const snapshot = snapshotOf(
    [node],
    running.map((o, i) => makePod(`running-${i}`, { nodeName: "n", ...o })),
  );
  return runFilter(nodeResourcesFit, snapshot, makePod("p", pod), "n");
}

describe("NodeResourcesFit filter", () => {
  it.each<[string, PodOptions, PodOptions[], string[] | undefined]>([
    ["fits an empty node", { cpu: "1", memory: "1Gi" }, [], undefined],
    ["fits exactly", { cpu: "1500m", memory: "3Gi" }, [{ cpu: "500m", memory: "1Gi" }], undefined],
    ["cpu short", { cpu: "1600m" }, [{ cpu: "500m" }], [insufficient("cpu")]],
    ["memory short", { memory: "3Gi" }, [{ memory: "2Gi" }], [insufficient("memory")]],
    [
      "both short",
      { cpu: "2", memory: "4Gi" },
      [{ cpu: "1m", memory: "1" }],
      [insufficient("cpu"), insufficient("memory")],
    ],
    ["ephemeral-storage short", { ephemeral: "11Gi" }, [], [insufficient("ephemeral-storage")]],
    ["extended resource", { extended: { "example.com/gpu": "1" } }, [], undefined],
    [
      "extended resource taken",
      { extended: { "example.com/gpu": "1" } },
      [{ extended: { "example.com/gpu": "1" } }],
      [insufficient("example.com/gpu")],
    ],
    [
      "extended resource the node lacks",
      { extended: { "example.com/fpga": "1" } },
      [],
      [insufficient("example.com/fpga")],
    ],
    ["too many pods", {}, [{}, {}, {}], [REASON_TOO_MANY_PODS]],
    ["too many pods and cpu", { cpu: "2" }, [{ cpu: "1" }, {}, {}], [REASON_TOO_MANY_PODS, insufficient("cpu")]],
    [
      "finished pods hold nothing",
      { cpu: "2" },
      [
        { cpu: "2", phase: "Succeeded" },
        { cpu: "2", phase: "Failed" },
      ],
      undefined,
    ],
    [
      "terminating pods still hold their requests",
      { cpu: "2" },
      [{ cpu: "1", terminating: true }],
      [insufficient("cpu")],
    ],
  ])("%s", (_, pod, running, reasons) => {
    expect(check(pod, running)?.reasons).toEqual(reasons);
  });

  it("takes the largest init container and adds overhead", () => {
    const initContainers = [{ name: "migrate", resources: { requests: { cpu: "1800m" } } }];
    expect(check({ cpu: "100m", initContainers })).toBeUndefined();
    expect(check({ cpu: "100m", initContainers }, [{ cpu: "300m" }])?.reasons).toEqual([insufficient("cpu")]);
    expect(check({ cpu: "1900m", spec: { overhead: { cpu: "200m" } } })?.reasons).toEqual([insufficient("cpu")]);
  });

  it("marks requests beyond the node's whole allocatable as unresolvable", () => {
    expect(check({ cpu: "3" })?.code).toBe("UnschedulableAndUnresolvable");
    expect(check({ cpu: "2" }, [{ cpu: "1" }])?.code).toBe("Unschedulable");
  });
});
