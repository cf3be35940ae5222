// The three propagation policies end to end: a tiny in-memory store with the store's deletion
// rules (object-writes.ts: a policy adds its finalizer, the last finalizer removed deletes) and the
// GC plan run on every object until nothing changes. The order objects disappear in is the
// contract kubectl's --cascade flags promise.

import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { type Action, DEPLOYMENTS, PODS, REPLICASETS, type ResourceRef } from "../types.ts";
import { planGarbageCollection } from "./plan.ts";

interface Entry {
  resource: ResourceRef;
  object: KubeObject;
}

class World {
  readonly byUid = new Map<string, Entry>();
  readonly gone: string[] = [];

  add(resource: ResourceRef, object: KubeObject): void {
    this.byUid.set(object.metadata.uid ?? "", { resource, object });
  }

  private find(name: string, namespace: string, resource: ResourceRef): Entry | undefined {
    return [...this.byUid.values()].find(
      (e) =>
        e.resource === resource && e.object.metadata.name === name && (e.object.metadata.namespace ?? "") === namespace,
    );
  }

  private remove(e: Entry): void {
    this.byUid.delete(e.object.metadata.uid ?? "");
    this.gone.push(e.object.metadata.name ?? "");
  }

  delete(
    resource: ResourceRef,
    name: string,
    namespace: string,
    policy?: "Orphan" | "Background" | "Foreground",
  ): void {
    const e = this.find(name, namespace, resource);
    if (!e || e.object.metadata.deletionTimestamp) return;
    const finalizers = [...(e.object.metadata.finalizers ?? [])];
    if (policy === "Orphan") finalizers.push("orphan");
    if (policy === "Foreground") finalizers.push("foregroundDeletion");
    if (finalizers.length === 0) {
      this.remove(e);
      return;
    }
    e.object = {
      ...e.object,
      metadata: { ...e.object.metadata, finalizers, deletionTimestamp: "2026-03-01T10:00:00Z" },
    };
  }

  apply(action: Action): void {
    if (action.type === "delete") {
      const e = this.byUid.get(action.uid ?? "");
      if (e) this.delete(action.resource, action.name, action.namespace, action.propagationPolicy);
    } else if (action.type === "update") {
      const uid = action.object.metadata.uid ?? "";
      if (!this.byUid.has(uid)) return;
      const meta = action.object.metadata;
      if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0) this.remove(this.byUid.get(uid)!);
      else this.byUid.set(uid, { resource: action.resource, object: action.object });
    } else {
      throw new Error(`unexpected ${action.type}`);
    }
  }

  /** Runs the GC over every object until a full round writes nothing. */
  settle(): void {
    for (let round = 0; round < 20; round++) {
      let wrote = false;
      for (const { resource, object } of [...this.byUid.values()]) {
        if (!this.byUid.has(object.metadata.uid ?? "")) continue;
        const current = this.byUid.get(object.metadata.uid ?? "")!.object;
        const dependents = [...this.byUid.values()].filter((e) =>
          (e.object.metadata.ownerReferences ?? []).some((r) => r.uid === current.metadata.uid),
        );
        const actions = planGarbageCollection({
          object: current,
          resource,
          owners: (r) => this.byUid.get(r.uid)?.object,
          dependents,
        });
        for (const a of actions) this.apply(a);
        wrote ||= actions.length > 0;
      }
      if (!wrote) return;
    }
    throw new Error("the GC did not settle");
  }
}

function owned(kind: string, name: string, owner?: KubeObject): KubeObject {
  const o: KubeObject = {
    apiVersion: kind === "Pod" ? "v1" : "apps/v1",
    kind,
    metadata: { name, namespace: "default", uid: `${name}-uid` },
  };
  if (owner) {
    o.metadata.ownerReferences = [
      {
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        name: owner.metadata.name ?? "",
        uid: owner.metadata.uid ?? "",
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
  }
  return o;
}

function webWorld(): World {
  const world = new World();
  const deploy = owned("Deployment", "web");
  const rs = owned("ReplicaSet", "web-1", deploy);
  world.add(DEPLOYMENTS, deploy);
  world.add(REPLICASETS, rs);
  world.add(PODS, owned("Pod", "web-1-a", rs));
  world.add(PODS, owned("Pod", "web-1-b", rs));
  return world;
}

describe("cascading deletion", () => {
  it("Background: the owner goes at once, then its ReplicaSet, then the pods", () => {
    const world = webWorld();
    world.delete(DEPLOYMENTS, "web", "default", "Background");
    world.settle();
    expect(world.gone).toEqual(["web", "web-1", "web-1-a", "web-1-b"]);
    expect(world.byUid.size).toBe(0);
  });

  it("Foreground: pods first, then the ReplicaSet, the Deployment last", () => {
    const world = webWorld();
    world.delete(DEPLOYMENTS, "web", "default", "Foreground");
    world.settle();
    expect(world.gone).toEqual(["web-1-a", "web-1-b", "web-1", "web"]);
  });

  it("Orphan: only the Deployment goes; the ReplicaSet loses its reference and keeps its pods", () => {
    const world = webWorld();
    world.delete(DEPLOYMENTS, "web", "default", "Orphan");
    world.settle();
    expect(world.gone).toEqual(["web"]);
    const rs = world.byUid.get("web-1-uid")?.object;
    expect(rs?.metadata.ownerReferences).toBeUndefined();
    expect(world.byUid.get("web-1-a-uid")?.object.metadata.ownerReferences?.[0]?.uid).toBe("web-1-uid");
  });
});
