import { describe, expect, it } from "vitest";
import type { PodAffinityTerm } from "../../../schemas/core/affinity.ts";
import { makeNode, makePod, runFilter, snapshotOf } from "../testing.ts";
import {
  interPodAffinity,
  REASON_AFFINITY,
  REASON_ANTI_AFFINITY,
  REASON_EXISTING_ANTI_AFFINITY,
} from "./inter-pod-affinity.ts";

const HOST = "kubernetes.io/hostname";
const ZONE = "topology.kubernetes.io/zone";
const term = (app: string, topologyKey = HOST, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({
  labelSelector: { matchLabels: { app } },
  topologyKey,
  ...extra,
});
const anti = (...terms: PodAffinityTerm[]) => ({
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms },
});
const near = (...terms: PodAffinityTerm[]) => ({
  podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms },
});

const nodes = [
  makeNode("a1", { labels: { [ZONE]: "a" } }),
  makeNode("a2", { labels: { [ZONE]: "a" } }),
  makeNode("b1", { labels: { [ZONE]: "b" } }),
  makeNode("bare"),
];

describe("InterPodAffinity filter", () => {
  const running = [makePod("db-0", { nodeName: "a1", labels: { app: "db" } })];
  const snapshot = snapshotOf(nodes, running);

  it.each([
    ["anti-affinity by hostname: the node with a match", anti(term("db")), "a1", [REASON_ANTI_AFFINITY]],
    ["anti-affinity by hostname: another node", anti(term("db")), "a2", undefined],
    ["anti-affinity by zone: same zone", anti(term("db", ZONE)), "a2", [REASON_ANTI_AFFINITY]],
    ["anti-affinity by zone: other zone", anti(term("db", ZONE)), "b1", undefined],
    ["anti-affinity by zone: a node without zones", anti(term("db", ZONE)), "bare", undefined],
    ["anti-affinity in another namespace", anti(term("db", HOST, { namespaces: ["other"] })), "a1", undefined],
    [
      "anti-affinity across all namespaces",
      anti(term("db", HOST, { namespaceSelector: {} })),
      "a1",
      [REASON_ANTI_AFFINITY],
    ],
    ["affinity by hostname: the node with a match", near(term("db")), "a1", undefined],
    ["affinity by hostname: another node", near(term("db")), "a2", [REASON_AFFINITY]],
    ["affinity by zone: same zone", near(term("db", ZONE)), "a2", undefined],
    ["affinity by zone: a node without the key", near(term("db", ZONE)), "bare", [REASON_AFFINITY]],
    ["affinity to nothing that exists", near(term("cache")), "a1", [REASON_AFFINITY]],
  ])("%s", (_, affinity, node, reasons) => {
    expect(
      runFilter(interPodAffinity, snapshot, makePod("p", { labels: { app: "web" }, affinity }), node)?.reasons,
    ).toEqual(reasons);
  });

  it("lets the first pod of a self-affine group anywhere", () => {
    const pod = makePod("cache-0", { labels: { app: "cache" }, affinity: near(term("cache")) });
    expect(runFilter(interPodAffinity, snapshot, pod, "b1")).toBeUndefined();
  });

  it("keeps pods off nodes whose pods' anti-affinity they would break", () => {
    const loner = makePod("loner", { nodeName: "a1", labels: { app: "loner" }, affinity: anti(term("web")) });
    const withLoner = snapshotOf(nodes, [loner]);
    const web = makePod("web-0", { labels: { app: "web" } });
    expect(runFilter(interPodAffinity, withLoner, web, "a1")?.reasons).toEqual([REASON_EXISTING_ANTI_AFFINITY]);
    expect(runFilter(interPodAffinity, withLoner, web, "a2")).toBeUndefined();
    expect(runFilter(interPodAffinity, withLoner, makePod("api", { labels: { app: "api" } }), "a1")).toBeUndefined();
  });

  it("codes affinity misses unresolvable and anti-affinity ones resolvable", () => {
    const pod = (affinity: object) => makePod("p", { labels: { app: "web" }, affinity });
    expect(runFilter(interPodAffinity, snapshot, pod(near(term("db"))), "a2")?.code).toBe(
      "UnschedulableAndUnresolvable",
    );
    expect(runFilter(interPodAffinity, snapshot, pod(anti(term("db"))), "a1")?.code).toBe("Unschedulable");
  });
});
