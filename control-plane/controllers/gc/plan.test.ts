import { describe, expect, it } from "vitest";
import type { KubeObject, OwnerReference } from "../../../schemas/object.ts";
import { type Action, DEPLOYMENTS, PODS, REPLICASETS, type ResourceRef } from "../types.ts";
import { planGarbageCollection } from "./plan.ts";

const DELETED = "2026-03-01T10:00:00Z";

function ref(owner: KubeObject, blockOwnerDeletion = true): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion,
  };
}

function obj(
  kind: string,
  name: string,
  extra: { owners?: OwnerReference[]; finalizers?: string[]; deleting?: boolean; namespace?: string } = {},
): KubeObject {
  const o: KubeObject = {
    apiVersion: kind === "Pod" ? "v1" : "apps/v1",
    kind,
    metadata: { name, namespace: extra.namespace ?? "default", uid: `${name}-uid`, resourceVersion: "5" },
  };
  if (extra.owners) o.metadata.ownerReferences = extra.owners;
  if (extra.finalizers) o.metadata.finalizers = extra.finalizers;
  if (extra.deleting) o.metadata.deletionTimestamp = DELETED;
  return o;
}

function lookup(...present: KubeObject[]): (r: OwnerReference) => KubeObject | undefined {
  return (r) => present.find((p) => p.metadata.uid === r.uid);
}

function del(resource: ResourceRef, o: KubeObject, propagationPolicy: string): Action {
  return {
    type: "delete",
    resource,
    namespace: "default",
    name: o.metadata.name ?? "",
    uid: o.metadata.uid ?? "",
    propagationPolicy,
  } as Action;
}

const deploy = obj("Deployment", "web");
const rs = obj("ReplicaSet", "web-1", { owners: [ref(deploy)] });
const other = obj("ReplicaSet", "other");
const foregroundDeploy = obj("Deployment", "web", { finalizers: ["foregroundDeletion"], deleting: true });

describe("planGarbageCollection as a dependent (Background)", () => {
  const pod = obj("Pod", "web-1-a", { owners: [ref(rs)] });
  const twoOwners = obj("Pod", "p", { owners: [ref(rs), ref(other)] });
  const cases: [string, KubeObject, KubeObject[], { resource: ResourceRef; object: KubeObject }[], Action[]][] = [
    ["no owner references: nothing", obj("Pod", "solo"), [], [], []],
    ["its owner exists: nothing", pod, [rs], [], []],
    ["its only owner is gone: deleted in the background", pod, [], [], [del(PODS, pod, "Background")]],
    [
      "a live owner and a gone one: the dangling reference goes, the object stays",
      twoOwners,
      [rs],
      [],
      [
        {
          type: "update",
          resource: PODS,
          object: { ...twoOwners, metadata: { ...twoOwners.metadata, ownerReferences: [ref(rs)] } },
        },
      ],
    ],
    [
      "an owner recreated under the same name (other uid) counts as gone",
      pod,
      [{ ...rs, metadata: { ...rs.metadata, uid: "new-uid" } }],
      [],
      [del(PODS, pod, "Background")],
    ],
    [
      "an owner in another namespace counts as gone",
      pod,
      [{ ...rs, metadata: { ...rs.metadata, namespace: "elsewhere" } }],
      [],
      [del(PODS, pod, "Background")],
    ],
    [
      "an orphan that carries the orphan finalizer is deleted with Orphan",
      obj("ReplicaSet", "x", { owners: [ref(deploy)], finalizers: ["orphan"] }),
      [],
      [],
      [del(REPLICASETS, obj("ReplicaSet", "x"), "Orphan")],
    ],
    [
      "being deleted already (no foreground finalizer): nothing",
      obj("Pod", "d", { owners: [ref(rs)], deleting: true }),
      [],
      [],
      [],
    ],
    [
      "owner waits in the foreground, no dependents: deleted in the background",
      rs,
      [foregroundDeploy],
      [],
      [del(REPLICASETS, rs, "Background")],
    ],
    [
      "owner waits in the foreground, has dependents: deleted in the foreground",
      rs,
      [foregroundDeploy],
      [{ resource: PODS, object: pod }],
      [del(REPLICASETS, rs, "Foreground")],
    ],
    [
      "owner waits and a dependent deletes its own dependents: unblock first, then foreground",
      rs,
      [foregroundDeploy],
      [
        {
          resource: PODS,
          object: obj("Pod", "q", { owners: [ref(rs)], finalizers: ["foregroundDeletion"], deleting: true }),
        },
      ],
      [
        {
          type: "update",
          resource: REPLICASETS,
          object: { ...rs, metadata: { ...rs.metadata, ownerReferences: [ref(deploy, false)] } },
        },
        del(REPLICASETS, rs, "Foreground"),
      ],
    ],
    [
      "a live owner and a waiting one: the waiting reference goes so the owner is not held",
      obj("Pod", "p", { owners: [ref(foregroundDeploy), ref(other)] }),
      [foregroundDeploy, other],
      [],
      [
        {
          type: "update",
          resource: PODS,
          object: obj("Pod", "p", { owners: [ref(other)] }),
        },
      ],
    ],
  ];
  it.each(cases)("%s", (_name, object, owners, dependents, expected) => {
    const resource = object.kind === "Pod" ? PODS : REPLICASETS;
    const snapshot = structuredClone(object);
    expect(planGarbageCollection({ object, resource, owners: lookup(...owners), dependents })).toEqual(expected);
    expect(object).toEqual(snapshot);
  });
});

describe("planGarbageCollection as an owner", () => {
  const orphaning = obj("ReplicaSet", "web-1", {
    owners: [ref(deploy)],
    finalizers: ["orphan", "example.com/keep"],
    deleting: true,
  });
  const a = obj("Pod", "a", { owners: [ref(orphaning)] });
  const b = obj("Pod", "b", { owners: [ref(other), ref(orphaning)] });

  it("Orphan: strips its reference from every dependent and keeps the finalizer for now", () => {
    const dependents = [
      { resource: PODS, object: a },
      { resource: PODS, object: b },
    ];
    expect(planGarbageCollection({ object: orphaning, resource: REPLICASETS, owners: lookup(), dependents })).toEqual([
      { type: "update", resource: PODS, object: obj("Pod", "a") },
      { type: "update", resource: PODS, object: obj("Pod", "b", { owners: [ref(other)] }) },
    ]);
  });

  it("Orphan: with no dependent left, removes only the orphan finalizer", () => {
    expect(
      planGarbageCollection({ object: orphaning, resource: REPLICASETS, owners: lookup(), dependents: [] }),
    ).toEqual([
      {
        type: "update",
        resource: REPLICASETS,
        object: { ...orphaning, metadata: { ...orphaning.metadata, finalizers: ["example.com/keep"] } },
      },
    ]);
  });

  const fg = obj("ReplicaSet", "web-1", { finalizers: ["foregroundDeletion"], deleting: true });
  const finalized = { ...fg, metadata: { ...fg.metadata } };
  delete finalized.metadata.finalizers;
  const blocking = obj("Pod", "blocking", { owners: [ref(fg)] });
  const loose = obj("Pod", "loose", { owners: [ref(fg, false)] });
  const shared = obj("Pod", "shared", { owners: [ref(fg), ref(other)] });
  const cases: [string, KubeObject[], Action[]][] = [
    [
      "no dependents: the finalizer goes (the store then deletes it)",
      [],
      [{ type: "update", resource: REPLICASETS, object: finalized }],
    ],
    [
      "a blocking dependent is deleted first (Foreground, so it recurses) and holds the finalizer",
      [blocking, loose],
      [del(PODS, blocking, "Foreground"), del(PODS, loose, "Foreground")],
    ],
    ["a blocking dependent already on its way: wait", [obj("Pod", "going", { owners: [ref(fg)], deleting: true })], []],
    [
      "only non-blocking dependents: they are deleted and the finalizer goes in the same pass",
      [loose],
      [del(PODS, loose, "Foreground"), { type: "update", resource: REPLICASETS, object: finalized }],
    ],
    [
      "a dependent with another live owner only drops its reference",
      [shared],
      [{ type: "update", resource: PODS, object: obj("Pod", "shared", { owners: [ref(other)] }) }],
    ],
  ];
  it.each(cases)("Foreground: %s", (_name, deps, expected) => {
    const dependents = deps.map((object) => ({ resource: PODS, object }));
    expect(planGarbageCollection({ object: fg, resource: REPLICASETS, owners: lookup(other), dependents })).toEqual(
      expected,
    );
  });

  it("being deleted without a propagation finalizer: nothing to do", () => {
    const going = obj("Deployment", "web", { finalizers: ["example.com/keep"], deleting: true });
    const dependents = [{ resource: REPLICASETS, object: rs }];
    expect(planGarbageCollection({ object: going, resource: DEPLOYMENTS, owners: lookup(), dependents })).toEqual([]);
  });
});
