import { describe, expect, it } from "vitest";
import { type PodObject, rfc3339 } from "../pod-utils.ts";
import { START } from "../testing/world.ts";
import { POD_DELETION_COST, rankPodsForDeletion } from "./pod-ranking.ts";

const NOW = START;
const HOUR = 3_600_000;

interface P {
  node?: string;
  phase?: string;
  readyAgo?: number;
  createdAgo?: number;
  restarts?: number;
  cost?: string;
}

function pod(name: string, p: P): PodObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      uid: `uid-${name}`,
      creationTimestamp: rfc3339(NOW - (p.createdAgo ?? 10 * HOUR)),
      ...(p.cost !== undefined ? { annotations: { [POD_DELETION_COST]: p.cost } } : {}),
    },
    spec: { nodeName: p.node ?? `node-${name}` },
    status: {
      phase: p.phase ?? "Running",
      conditions:
        p.readyAgo !== undefined
          ? [{ type: "Ready", status: "True", lastTransitionTime: rfc3339(NOW - p.readyAgo) }]
          : [],
      containerStatuses: [{ name: "c", restartCount: p.restarts ?? 0 }],
    },
  };
}

describe("rankPodsForDeletion", () => {
  it.each([
    ["unscheduled before scheduled", [pod("a", { readyAgo: HOUR }), pod("b", { node: "" })], ["b", "a"]],
    [
      "Pending before Unknown before Running",
      [pod("r", {}), pod("u", { phase: "Unknown" }), pod("p", { phase: "Pending" })],
      ["p", "u", "r"],
    ],
    ["not ready before ready", [pod("ready", { readyAgo: HOUR }), pod("notready", {})], ["notready", "ready"]],
    [
      "lower deletion cost first",
      [pod("dear", { readyAgo: HOUR, cost: "100" }), pod("cheap", { readyAgo: HOUR, cost: "-5" })],
      ["cheap", "dear"],
    ],
    [
      "doubled up on a node first",
      [
        pod("alone", { node: "n1", readyAgo: HOUR }),
        pod("twin1", { node: "n2", readyAgo: HOUR }),
        pod("twin2", { node: "n2", readyAgo: HOUR }),
      ],
      ["twin1", "twin2", "alone"],
    ],
    [
      "more recently ready first",
      [pod("long", { readyAgo: 8 * HOUR }), pod("short", { readyAgo: 60_000 })],
      ["short", "long"],
    ],
    [
      "more restarts first",
      [pod("calm", { readyAgo: HOUR, restarts: 0 }), pod("flaky", { readyAgo: HOUR, restarts: 7 })],
      ["flaky", "calm"],
    ],
    ["younger first", [pod("old", { createdAgo: 8 * HOUR }), pod("young", { createdAgo: 60_000 })], ["young", "old"]],
  ])("%s", (_name, pods, order) => {
    expect(rankPodsForDeletion(pods, NOW).map((p) => p.metadata.name)).toEqual(order);
  });

  it("treats ages within the same power of two as equal, and breaks the tie by uid", () => {
    // 100 s and 90 s ago fall in the same log2 bucket of nanoseconds: the uid decides.
    const pods = [pod("b", { readyAgo: 90_000 }), pod("a", { readyAgo: 100_000 })];
    expect(rankPodsForDeletion(pods, NOW).map((p) => p.metadata.name)).toEqual(["a", "b"]);
  });
});
