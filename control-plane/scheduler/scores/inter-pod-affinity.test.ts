import { describe, expect, it } from "vitest";
import { makeNode, makePod, runScore, snapshotOf } from "../testing.ts";
import { interPodAffinityScore } from "./inter-pod-affinity.ts";

const HOST = "kubernetes.io/hostname";
const weighted = (weight: number, app: string) => ({
  weight,
  podAffinityTerm: { labelSelector: { matchLabels: { app } }, topologyKey: HOST },
});

describe("InterPodAffinity score", () => {
  const nodes = [makeNode("n1"), makeNode("n2"), makeNode("n3")];
  const db = makePod("db", { nodeName: "n1", labels: { app: "db" } });

  it.each([
    [
      "preferred affinity",
      { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(10, "db")] } },
      { n1: 100, n2: 0, n3: 0 },
    ],
    [
      "preferred anti-affinity",
      { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(10, "db")] } },
      { n1: 0, n2: 100, n3: 100 },
    ],
  ])("%s", (_, affinity, scores) => {
    expect(runScore(interPodAffinityScore, snapshotOf(nodes, [db]), makePod("p", { affinity }))).toEqual(scores);
  });

  it("honours the preferences of pods already placed", () => {
    const shy = makePod("shy", {
      nodeName: "n2",
      labels: { app: "shy" },
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, "web")] } },
    });
    const scores = runScore(
      interPodAffinityScore,
      snapshotOf(nodes, [db, shy]),
      makePod("p", { labels: { app: "web" } }),
    );
    expect(scores).toEqual({ n1: 100, n2: 0, n3: 100 });
  });

  it("is skipped when nobody has preferences", () => {
    expect(runScore(interPodAffinityScore, snapshotOf(nodes, [db]), makePod("p"))).toBeUndefined();
  });
});
