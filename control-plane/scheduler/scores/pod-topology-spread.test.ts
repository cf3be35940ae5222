import { describe, expect, it } from "vitest";
import { makeNode, makePod, runScore, snapshotOf } from "../testing.ts";
import { podTopologySpreadScore } from "./pod-topology-spread.ts";

const ZONE = "topology.kubernetes.io/zone";
const replica = (name: string, nodeName: string, extra = {}) => makePod(name, { nodeName, owner: "rs-web", ...extra });

describe("PodTopologySpread score", () => {
  it("spreads a ReplicaSet's pods over hostnames by default", () => {
    const snapshot = snapshotOf(
      [makeNode("n1"), makeNode("n2"), makeNode("n3")],
      [
        replica("w0", "n1"),
        replica("w1", "n1"),
        replica("w2", "n2"),
        makePod("other", { nodeName: "n3", owner: "rs-api" }),
      ],
    );
    // weight log(3 + 2); n1: 2w + 2 = 5, n2: w + 2 = 4, n3: 2 -> 100 * (5 + 2 - s) / 5.
    expect(runScore(podTopologySpreadScore, snapshot, makePod("p", { owner: "rs-web" }))).toEqual({
      n1: 40,
      n2: 60,
      n3: 100,
    });
  });

  it("adds zones when nodes have them", () => {
    const snapshot = snapshotOf(
      [
        makeNode("a1", { labels: { [ZONE]: "a" } }),
        makeNode("a2", { labels: { [ZONE]: "a" } }),
        makeNode("b1", { labels: { [ZONE]: "b" } }),
      ],
      [replica("w0", "a1")],
    );
    const scores = runScore(podTopologySpreadScore, snapshot, makePod("p", { owner: "rs-web" }));
    // a2 is empty but in the zone that has a replica: b1 wins, a1 loses.
    expect(scores?.b1).toBe(100);
    expect(scores?.a1).toBeLessThan(scores?.a2 ?? 0);
    expect(scores?.a2).toBeLessThan(100);
  });

  it("does not count terminating replicas", () => {
    const snapshot = snapshotOf([makeNode("n1"), makeNode("n2")], [replica("w0", "n1", { terminating: true })]);
    expect(runScore(podTopologySpreadScore, snapshot, makePod("p", { owner: "rs-web" }))).toEqual({ n1: 100, n2: 100 });
  });

  it("is skipped for a pod without a controller or constraints", () => {
    expect(runScore(podTopologySpreadScore, snapshotOf([makeNode("n1")]), makePod("p"))).toBeUndefined();
  });

  it("does not spread by default pods that a Job or DaemonSet controls", () => {
    const base = makePod("p");
    for (const kind of ["Job", "DaemonSet"]) {
      const ownerReferences = [{ apiVersion: "batch/v1", kind, name: "x", uid: "x", controller: true }];
      const pod = { ...base, metadata: { ...base.metadata, ownerReferences } };
      expect(runScore(podTopologySpreadScore, snapshotOf([makeNode("n1")]), pod)).toBeUndefined();
    }
  });

  it("uses the pod's own ScheduleAnyway constraints by label, ignoring nodes without the key", () => {
    const snapshot = snapshotOf(
      [makeNode("a1", { labels: { [ZONE]: "a" } }), makeNode("b1", { labels: { [ZONE]: "b" } }), makeNode("bare")],
      [makePod("w0", { nodeName: "a1", labels: { app: "web" } })],
    );
    const spreads = [
      {
        maxSkew: 1,
        topologyKey: ZONE,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { app: "web" } },
      },
    ];
    expect(runScore(podTopologySpreadScore, snapshot, makePod("p", { labels: { app: "web" }, spreads }))).toEqual({
      a1: 0,
      b1: 100,
      bare: 0,
    });
  });
});
