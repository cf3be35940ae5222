import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { replicaSetsToSync } from "../replicaset/enqueue.ts";
import { deploymentsToSyncForPod, deploymentsToSyncForReplicaSet } from "./enqueue.ts";

function obj(
  kind: string,
  name: string,
  labels: Record<string, string>,
  owner?: [string, string],
  spec?: object,
): KubeObject {
  return {
    apiVersion: kind === "Pod" ? "v1" : "apps/v1",
    kind,
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      labels,
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: "apps/v1", kind: owner[0], name: owner[1], uid: `uid-${owner[1]}`, controller: true },
            ],
          }
        : {}),
    },
    ...(spec ? { spec } : {}),
  };
}

const d1 = obj("Deployment", "web", {}, undefined, {
  selector: { matchLabels: { app: "web" } },
  strategy: { type: "Recreate" },
});
const d2 = obj("Deployment", "api", {}, undefined, { selector: { matchLabels: { app: "api" } } });
const rs1 = obj("ReplicaSet", "web-1", { app: "web" }, ["Deployment", "web"], {
  selector: { matchLabels: { app: "web" } },
});
const rs2 = obj("ReplicaSet", "web-2", { app: "web" }, undefined, { selector: { matchLabels: { app: "web" } } });

describe("which keys a change concerns", () => {
  it.each([
    ["a controlled pod: its ReplicaSet", { new: obj("Pod", "p", { app: "web" }, ["ReplicaSet", "web-1"]) }, ["web-1"]],
    [
      "a new orphan: every ReplicaSet that could adopt it",
      { new: obj("Pod", "p", { app: "web" }) },
      ["web-1", "web-2"],
    ],
    ["an orphan unchanged: nobody", { old: obj("Pod", "p", { app: "web" }), new: obj("Pod", "p", { app: "web" }) }, []],
    [
      "a pod moved between controllers: both",
      {
        old: obj("Pod", "p", { app: "web" }, ["ReplicaSet", "web-1"]),
        new: obj("Pod", "p", { app: "web" }, ["ReplicaSet", "web-2"]),
      },
      ["web-1", "web-2"],
    ],
    ["a deleted pod: its ReplicaSet", { old: obj("Pod", "p", { app: "web" }, ["ReplicaSet", "web-2"]) }, ["web-2"]],
  ])("pods -> ReplicaSets: %s", (_name, change, names) => {
    expect(replicaSetsToSync(change, [rs1, rs2])).toEqual(names);
  });

  it("ReplicaSets -> Deployments: the controller, or the ones whose selector matches an orphan", () => {
    expect(deploymentsToSyncForReplicaSet({ new: rs1 }, [d1, d2])).toEqual(["web"]);
    expect(deploymentsToSyncForReplicaSet({ new: rs2 }, [d1, d2])).toEqual(["web"]);
    expect(deploymentsToSyncForReplicaSet({ new: obj("ReplicaSet", "x", { app: "db" }) }, [d1, d2])).toEqual([]);
  });

  it("pod deletions -> the Recreate Deployment waiting for them", () => {
    const pod = obj("Pod", "p", { app: "web" }, ["ReplicaSet", "web-1"]);
    expect(deploymentsToSyncForPod({ old: pod }, [rs1, rs2], [d1, d2])).toEqual(["web"]);
    expect(deploymentsToSyncForPod({ old: pod, new: pod }, [rs1, rs2], [d1, d2])).toEqual([]);
  });
});
