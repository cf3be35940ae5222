import { describe, expect, it } from "vitest";
import { makeNode, makePod, snapshotOf } from "./testing.ts";

describe("Snapshot", () => {
  it("sums the requests of bound, unfinished pods per node", () => {
    const snapshot = snapshotOf(
      [makeNode("n1"), makeNode("n2")],
      [
        makePod("a", { nodeName: "n1", cpu: "250m", memory: "1Gi", owner: "rs" }),
        makePod("b", { nodeName: "n1", extended: { "example.com/gpu": "1" }, owner: "rs" }),
        makePod("c", { nodeName: "n1", cpu: "1", phase: "Succeeded" }),
        makePod("d", { nodeName: "gone", cpu: "1" }),
        makePod("e", { cpu: "1" }),
      ],
    );
    const n1 = snapshot.nodesByName.get("n1")!;
    expect(n1.requested).toEqual({
      milliCPU: 250,
      memory: 1024 ** 3,
      ephemeralStorage: 0,
      scalars: new Map([["example.com/gpu", 1]]),
    });
    // b requested nothing of cpu or memory: scoring counts it as 100m / 200Mi.
    expect([n1.nonZeroCPU, n1.nonZeroMemory]).toEqual([350, 1024 ** 3 + 200 * 1024 ** 2]);
    expect(n1.pods.map((p) => p.name)).toEqual(["a", "b"]);
    expect(n1.podsByOwner.get("rs")).toBe(2);
    expect(snapshot.nodesByName.get("n2")!.pods).toEqual([]);
  });

  it("updates the totals incrementally when a pod is assumed", () => {
    const snapshot = snapshotOf([makeNode("n", { labels: { "topology.kubernetes.io/zone": "z" } })]);
    const node = snapshot.nodesByName.get("n")!;
    const pod = snapshot.podInfo(
      makePod("p", { cpu: "100m", memory: "128Mi", owner: "rs", hostPorts: [80], priority: 5 }),
    );
    snapshot.assume(pod, node);
    snapshot.assume(snapshot.podInfo(makePod("q", { cpu: "100m", owner: "rs", terminating: true })), node);
    expect(node.requested.milliCPU).toBe(200);
    expect(node.pods).toHaveLength(2);
    expect(node.usedPorts.get("TCP/80")).toEqual(new Set(["0.0.0.0"]));
    // The terminating pod holds resources but is not counted for spreading.
    expect(node.podsByOwner.get("rs")).toBe(1);
    expect(snapshot.zonePodsByOwner.get("z")?.get("rs")).toBe(1);
    expect(node.minPriority).toBe(0);
  });

  it("orders nodes zone by zone, as upstream's node tree", () => {
    const zone = (z: string) => ({ labels: { "topology.kubernetes.io/zone": z } });
    const snapshot = snapshotOf([
      makeNode("a1", zone("a")),
      makeNode("a2", zone("a")),
      makeNode("a3", zone("a")),
      makeNode("b1", zone("b")),
      makeNode("c1", zone("c")),
    ]);
    expect(snapshot.nodes.map((n) => n.name)).toEqual(["a1", "b1", "c1", "a2", "a3"]);
  });

  it("reads allocatable, falling back to capacity", () => {
    const node = makeNode("n");
    const noAllocatable = { ...node, status: { capacity: { cpu: "2", memory: "1Gi", pods: "10" } } };
    const info = snapshotOf([noAllocatable]).nodes[0]!;
    expect([info.allocatable.milliCPU, info.allocatable.memory, info.allowedPods]).toEqual([2000, 1024 ** 3, 10]);
  });
});
