import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { rfc3339 } from "../pod-utils.ts";
import { START } from "../testing/world.ts";
import type { Action } from "../types.ts";
import { BURST_REPLICAS, planReplicaSet } from "./plan.ts";
import type { ReplicaSetObject } from "./status.ts";

const RS_UID = "rs-uid";
const NOW = START;

function replicaSet(replicas: number, extra: { minReadySeconds?: number; deleting?: boolean } = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: "web-app-5d4f8",
      namespace: "default",
      uid: RS_UID,
      resourceVersion: "7",
      generation: 1,
      labels: { app: "web-app", "pod-template-hash": "5d4f8" },
      ...(extra.deleting ? { deletionTimestamp: rfc3339(NOW) } : {}),
    },
    spec: {
      replicas,
      ...(extra.minReadySeconds ? { minReadySeconds: extra.minReadySeconds } : {}),
      selector: { matchLabels: { app: "web-app", "pod-template-hash": "5d4f8" } },
      template: {
        metadata: { labels: { app: "web-app", "pod-template-hash": "5d4f8" }, annotations: { note: "x" } },
        spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
      },
    },
    status: { replicas: 0, terminatingReplicas: 0, observedGeneration: 1 },
  };
}

interface PodOptions {
  owner?: string | null;
  labels?: Record<string, string>;
  phase?: string;
  readySince?: number;
  node?: string;
  deleting?: boolean;
}

function pod(name: string, o: PodOptions = {}): KubeObject {
  const owner = o.owner === undefined ? RS_UID : o.owner;
  const conditions =
    o.readySince !== undefined ? [{ type: "Ready", status: "True", lastTransitionTime: rfc3339(o.readySince) }] : [];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      resourceVersion: "3",
      creationTimestamp: rfc3339(NOW - 60_000),
      labels: o.labels ?? { app: "web-app", "pod-template-hash": "5d4f8" },
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-app-5d4f8", uid: owner, controller: true },
            ],
          }
        : {}),
      ...(o.deleting ? { deletionTimestamp: rfc3339(NOW) } : {}),
    },
    spec: { containers: [{ name: "web", image: "nginx:1.27" }], ...(o.node ? { nodeName: o.node } : {}) },
    status: { phase: o.phase ?? "Running", conditions },
  };
}

const suffixes = () => {
  let i = 0;
  return () => ["abcde", "fghjk", "lmnpq", "rstvw"][i++] ?? `x${i}xxx`;
};

function plan(rs: KubeObject, pods: KubeObject[], now = NOW): Action[] {
  return planReplicaSet({ rs, pods, now, randomSuffix: suffixes() });
}

const ofType = <T extends Action["type"]>(actions: Action[], type: T) =>
  actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);
const messages = (actions: Action[]) => ofType(actions, "event").map((a) => `${a.event.reason}: ${a.event.message}`);
const statusOf = (actions: Action[]) =>
  (ofType(actions, "updateStatus")[0]?.object as ReplicaSetObject | undefined)?.status;

describe("planReplicaSet", () => {
  it("creates the missing pods from the template, named so the events can name them", () => {
    const actions = plan(replicaSet(2), []);
    const creates = ofType(actions, "create");
    expect(creates.map((a) => a.object)).toEqual([
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: "web-app-5d4f8-abcde",
          generateName: "web-app-5d4f8-",
          namespace: "default",
          labels: { app: "web-app", "pod-template-hash": "5d4f8" },
          annotations: { note: "x" },
          ownerReferences: [
            {
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              name: "web-app-5d4f8",
              uid: RS_UID,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
      },
      expect.objectContaining({ metadata: expect.objectContaining({ name: "web-app-5d4f8-fghjk" }) }),
    ]);
    expect(messages(actions)).toEqual([
      "SuccessfulCreate: Created pod: web-app-5d4f8-abcde",
      "SuccessfulCreate: Created pod: web-app-5d4f8-fghjk",
    ]);
    expect(ofType(actions, "event")[0]?.event).toMatchObject({ type: "Normal", source: "replicaset-controller" });
    // Status reports what the sync started from; the new pods show up on the next sync.
    expect(ofType(actions, "updateStatus")).toEqual([]);
  });

  it("does nothing when the pods and the status are already right", () => {
    const rs = replicaSet(1);
    rs.status = { replicas: 1, fullyLabeledReplicas: 1, terminatingReplicas: 0, observedGeneration: 1 };
    expect(plan(rs, [pod("a")])).toEqual([]);
  });

  it("reports the counts kubectl shows, zero counts left out", () => {
    const pods = [pod("a", { readySince: NOW - 5000 }), pod("b"), pod("c", { labels: { app: "web-app", other: "1" } })];
    // "c" lacks the hash label: the selector does not match it, so it is not ours any more.
    const rs = replicaSet(2);
    const actions = plan(rs, pods);
    expect(statusOf(actions)).toEqual({
      replicas: 2,
      fullyLabeledReplicas: 2,
      readyReplicas: 1,
      availableReplicas: 1,
      terminatingReplicas: 0,
      observedGeneration: 1,
    });
  });

  it("adopts a matching orphan instead of creating a pod", () => {
    const actions = plan(replicaSet(1), [pod("orphan", { owner: null })]);
    expect(ofType(actions, "create")).toEqual([]);
    const [update] = ofType(actions, "update");
    expect(update?.object.metadata.ownerReferences).toEqual([
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: "web-app-5d4f8",
        uid: RS_UID,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(update?.object.metadata.resourceVersion).toBe("3");
  });

  it("releases an owned pod that stopped matching, and replaces it", () => {
    const actions = plan(replicaSet(1), [pod("relabelled", { labels: { app: "debug" } })]);
    const [update] = ofType(actions, "update");
    expect(update?.object.metadata.name).toBe("relabelled");
    expect(update?.object.metadata.ownerReferences).toBeUndefined();
    expect(ofType(actions, "create")).toHaveLength(1);
  });

  it("leaves pods controlled by someone else alone", () => {
    const actions = plan(replicaSet(1), [pod("theirs", { owner: "other-uid" })]);
    expect(ofType(actions, "update")).toEqual([]);
    expect(ofType(actions, "create")).toHaveLength(1);
  });

  it("replaces failed pods without deleting them, and does not count terminating ones", () => {
    const pods = [pod("failed", { phase: "Failed" }), pod("going", { deleting: true, node: "n1" }), pod("ok")];
    const actions = plan(replicaSet(3), pods);
    expect(ofType(actions, "create")).toHaveLength(2);
    expect(ofType(actions, "delete")).toEqual([]);
    expect(statusOf(actions)).toMatchObject({ replicas: 1, terminatingReplicas: 1 });
  });

  it("deletes the least useful pods first when scaling down, with events naming them", () => {
    const pods = [
      pod("ready-old", { node: "n1", readySince: NOW - 3_600_000 }),
      pod("pending", { phase: "Pending" }),
      pod("running-not-ready", { node: "n2" }),
      pod("ready-new", { node: "n3", readySince: NOW - 2000 }),
    ];
    const actions = plan(replicaSet(1), pods);
    expect(ofType(actions, "delete")).toEqual([
      {
        type: "delete",
        resource: { group: "", version: "v1", plural: "pods" },
        namespace: "default",
        name: "pending",
        uid: "uid-pending",
      },
      expect.objectContaining({ name: "running-not-ready" }),
      expect.objectContaining({ name: "ready-new" }),
    ]);
    expect(messages(actions)).toEqual([
      "SuccessfulDelete: Deleted pod: pending",
      "SuccessfulDelete: Deleted pod: running-not-ready",
      "SuccessfulDelete: Deleted pod: ready-new",
    ]);
  });

  it("counts a ready pod as available only after minReadySeconds, and asks to be run again then", () => {
    const rs = replicaSet(1, { minReadySeconds: 10 });
    const actions = plan(rs, [pod("a", { readySince: NOW - 4000 })]);
    expect(statusOf(actions)).toMatchObject({ replicas: 1, readyReplicas: 1 });
    expect(statusOf(actions)?.availableReplicas).toBeUndefined();
    expect(ofType(actions, "requeue")).toEqual([{ type: "requeue", afterMs: 6001 }]);
    const later = plan(rs, [pod("a", { readySince: NOW - 4000 })], NOW + 6001);
    expect(statusOf(later)).toMatchObject({ availableReplicas: 1 });
    expect(ofType(later, "requeue")).toEqual([]);
  });

  it("creates at most a burst of pods per sync and comes back for the rest", () => {
    const actions = planReplicaSet({ rs: replicaSet(BURST_REPLICAS + 20), pods: [], now: NOW });
    expect(ofType(actions, "create")).toHaveLength(BURST_REPLICAS);
    expect(new Set(ofType(actions, "create").map((a) => a.object.metadata.name)).size).toBe(BURST_REPLICAS);
    expect(ofType(actions, "requeue")).toEqual([{ type: "requeue", afterMs: 0 }]);
  });

  it("only reports status while the ReplicaSet is being deleted", () => {
    const actions = plan(replicaSet(3, { deleting: true }), [pod("a")]);
    expect(actions.map((a) => a.type)).toEqual(["updateStatus"]);
  });

  it("never changes its inputs", () => {
    const rs = replicaSet(1);
    const pods = [pod("orphan", { owner: null }), pod("x", { labels: { app: "other" } })];
    const before = JSON.stringify([rs, pods]);
    plan(rs, pods);
    expect(JSON.stringify([rs, pods])).toBe(before);
  });
});
