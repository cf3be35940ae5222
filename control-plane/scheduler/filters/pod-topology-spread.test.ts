import { describe, expect, it } from "vitest";
import type { TopologySpreadConstraint } from "../../../schemas/core/affinity.ts";
import { makeNode, makePod, runFilter, snapshotOf } from "../testing.ts";
import { podTopologySpread, REASON_SPREAD, REASON_SPREAD_MISSING_LABEL } from "./pod-topology-spread.ts";

const ZONE = "topology.kubernetes.io/zone";
const spread = (
  maxSkew: number,
  topologyKey = ZONE,
  extra: Partial<TopologySpreadConstraint> = {},
): TopologySpreadConstraint => ({
  maxSkew,
  topologyKey,
  whenUnsatisfiable: "DoNotSchedule",
  labelSelector: { matchLabels: { app: "web" } },
  ...extra,
});

const nodes = [
  makeNode("a1", { labels: { [ZONE]: "a" } }),
  makeNode("b1", { labels: { [ZONE]: "b" } }),
  makeNode("c1", { labels: { [ZONE]: "c", pool: "small" } }),
  makeNode("bare"),
];
const web = (name: string, nodeName: string, extra = {}) =>
  makePod(name, { nodeName, labels: { app: "web" }, ...extra });

describe("PodTopologySpread filter", () => {
  const snapshot = snapshotOf(nodes, [web("w0", "a1"), web("w1", "a1"), web("w2", "b1")]);
  const pod = (constraints: TopologySpreadConstraint[], extra = {}) =>
    makePod("p", { labels: { app: "web" }, spreads: constraints, ...extra });

  it.each([
    ["the emptiest zone", [spread(1)], "c1", undefined],
    ["a zone one above the emptiest", [spread(1)], "b1", [REASON_SPREAD]],
    ["the same zone with a larger skew", [spread(2)], "b1", undefined],
    ["the fullest zone", [spread(2)], "a1", [REASON_SPREAD]],
    ["a node without the key", [spread(5)], "bare", [REASON_SPREAD_MISSING_LABEL]],
    ["soft constraints do not filter", [spread(1, ZONE, { whenUnsatisfiable: "ScheduleAnyway" })], "a1", undefined],
  ])("%s", (_, constraints, node, reasons) => {
    expect(runFilter(podTopologySpread, snapshot, pod(constraints), node)?.reasons).toEqual(reasons);
  });

  it("counts only domains the pod may use (nodeAffinityPolicy Honor)", () => {
    // Zone c is empty, but the pod cannot go there: among a (2) and b (1), b is the emptiest.
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: "In", values: ["a", "b"] }] }],
        },
      },
    };
    expect(runFilter(podTopologySpread, snapshot, pod([spread(1)], { affinity }), "b1")).toBeUndefined();
    expect(
      runFilter(
        podTopologySpread,
        snapshot,
        pod([spread(1, ZONE, { nodeAffinityPolicy: "Ignore" })], { affinity }),
        "b1",
      )?.reasons,
    ).toEqual([REASON_SPREAD]);
  });

  it("treats missing domains as empty under minDomains", () => {
    const small = snapshotOf(nodes.slice(0, 2), [web("w0", "a1"), web("w2", "b1")]);
    expect(runFilter(podTopologySpread, small, pod([spread(1)]), "a1")).toBeUndefined();
    expect(runFilter(podTopologySpread, small, pod([spread(1, ZONE, { minDomains: 3 })]), "a1")?.reasons).toEqual([
      REASON_SPREAD,
    ]);
  });

  it("does not count terminating pods", () => {
    const draining = snapshotOf(nodes.slice(0, 2), [web("w0", "a1", { terminating: true })]);
    expect(runFilter(podTopologySpread, draining, pod([spread(1)]), "a1")).toBeUndefined();
  });
});
