import { describe, expect, it } from "vitest";
import { numFeasibleNodesToFind, scheduleCycle } from "./framework.ts";
import { schedulePod } from "./index.ts";
import { makeNode, makePod, snapshotOf, taint } from "./testing.ts";

const PREEMPTION_TAIL = "no new claims to deallocate, preemption:";

describe("numFeasibleNodesToFind (percentageOfNodesToScore)", () => {
  it.each([
    [5, 5],
    [99, 99],
    [100, 100],
    [500, 230],
    [1000, 420],
    [5000, 500],
    [6000, 300],
    [10000, 500],
    [20000, 1000],
  ])("%d nodes: %d", (nodes, wanted) => {
    expect(numFeasibleNodesToFind(nodes)).toBe(wanted);
  });

  it("takes an explicit percentage, never below 100 nodes", () => {
    expect(numFeasibleNodesToFind(1000, 100)).toBe(1000);
    expect(numFeasibleNodesToFind(1000, 1)).toBe(100);
  });
});

describe("schedulePod", () => {
  it("reports resource shortfalls in upstream's words", () => {
    const snapshot = snapshotOf([
      makeNode("n1", { cpu: "1" }),
      makeNode("n2", { cpu: "1" }),
      makeNode("n3", { cpu: "1" }),
    ]);
    expect(schedulePod(makePod("p", { cpu: "2" }), snapshot)).toEqual({
      unschedulable: {
        message: `0/3 nodes are available: 3 Insufficient cpu. ${PREEMPTION_TAIL} 0/3 nodes are available: 3 Preemption is not helpful for scheduling.`,
        reasons: { "Insufficient cpu": 3 },
      },
    });
    const busy = snapshotOf(
      [makeNode("n1", { cpu: "1" }), makeNode("n2", { cpu: "1" }), makeNode("n3", { cpu: "1" })],
      ["n1", "n2", "n3"].map((n) => makePod(`on-${n}`, { nodeName: n, cpu: "800m" })),
    );
    expect(schedulePod(makePod("p", { cpu: "500m" }), busy)).toEqual({
      unschedulable: {
        message: `0/3 nodes are available: 3 Insufficient cpu. ${PREEMPTION_TAIL} 0/3 nodes are available: 3 No preemption victims found for incoming pod.`,
        reasons: { "Insufficient cpu": 3 },
      },
    });
  });

  it("names the first refusing filter per node, sorted as upstream sorts", () => {
    const snapshot = snapshotOf([
      makeNode("cp", {
        taints: [taint("node-role.kubernetes.io/control-plane", "NoSchedule")],
        labels: { disk: "ssd" },
      }),
      makeNode("small-1", { memory: "1Gi", labels: { disk: "ssd" } }),
      makeNode("small-2", { memory: "1Gi", labels: { disk: "ssd" } }),
      makeNode("hdd-1"),
      makeNode("hdd-2"),
    ]);
    const result = schedulePod(makePod("p", { memory: "2Gi", nodeSelector: { disk: "ssd" } }), snapshot);
    expect(result).toEqual({
      unschedulable: {
        message:
          "0/5 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient memory, " +
          `2 node(s) didn't match Pod's node affinity/selector. ${PREEMPTION_TAIL} 0/5 nodes are available: ` +
          "5 Preemption is not helpful for scheduling.",
        reasons: {
          "node(s) had untolerated taint(s)": 1,
          "Insufficient memory": 2,
          "node(s) didn't match Pod's node affinity/selector": 2,
        },
      },
    });
  });

  it("reports the nodes a DaemonSet pod may not use as not satisfying NodeAffinity", () => {
    const snapshot = snapshotOf(
      [makeNode("n1", { cpu: "1" }), makeNode("n2"), makeNode("n3")],
      [makePod("busy", { nodeName: "n1", cpu: "900m" })],
    );
    const pod = makePod("ds", {
      cpu: "200m",
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }],
          },
        },
      },
    });
    expect(schedulePod(pod, snapshot)).toEqual({
      unschedulable: {
        message:
          "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. " +
          `${PREEMPTION_TAIL} 0/3 nodes are available: 1 No preemption victims found for incoming pod, ` +
          "2 Preemption is not helpful for scheduling.",
        reasons: { "Insufficient cpu": 1, "node(s) didn't satisfy plugin(s) [NodeAffinity]": 2 },
      },
    });
  });

  it("says so when there are no nodes", () => {
    expect(schedulePod(makePod("p"), snapshotOf([]))).toEqual({
      unschedulable: { message: "no nodes available to schedule pods", reasons: {} },
    });
  });

  it("picks the best-scored node", () => {
    const snapshot = snapshotOf([makeNode("full"), makeNode("empty")], [makePod("x", { nodeName: "full", cpu: "3" })]);
    expect(schedulePod(makePod("p", { cpu: "500m" }), snapshot)).toEqual({ nodeName: "empty" });
  });

  it("breaks ties with the random source, each tied node equally likely", () => {
    const snapshot = snapshotOf([makeNode("a"), makeNode("b"), makeNode("c")]);
    const picks = new Set<string>();
    for (const r of [0, 0.4, 0.6, 0.99]) {
      const result = schedulePod(makePod("p", { cpu: "100m" }), snapshot, { random: () => r });
      if ("nodeName" in result) picks.add(result.nodeName);
    }
    expect(picks.size).toBeGreaterThan(1);
  });

  it("stops filtering once enough nodes fit, and starts the next search where it stopped", () => {
    const snapshot = snapshotOf(Array.from({ length: 1000 }, (_, i) => makeNode(`n${i}`)));
    const pod = snapshot.podInfo(makePod("p", { cpu: "100m" }));
    expect(scheduleCycle(pod, snapshot).node).toBeDefined();
    expect(snapshot.nextStartIndex).toBe(420);
    scheduleCycle(pod, snapshot);
    expect(snapshot.nextStartIndex).toBe(840);
  });
});
