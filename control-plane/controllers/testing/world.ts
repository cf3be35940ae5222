// A small in-memory cluster for controller tests: it applies plan Actions the way the store
// would (uids, resourceVersions, generations, optimistic concurrency, graceful pod deletion,
// background garbage collection of controlled objects) and plays the node's part by moving pods
// to Running and Ready at a given time. End-to-end tests drive the same plans through the real store.

import type { KubeObject } from "../../../schemas/object.ts";
import { planDeployment } from "../deployment/plan.ts";
import { cloneJson, controllerOf, jsonEqual, type PodObject, rfc3339 } from "../pod-utils.ts";
import { planReplicaSet } from "../replicaset/plan.ts";
import { type Action, DEPLOYMENTS, type EventSpec, PODS, REPLICASETS, type ResourceRef } from "../types.ts";

export const START = Date.UTC(2025, 0, 1, 12, 0, 0);
const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export interface ApplyResult {
  conflicts: number;
  requeues: number[];
}

function specPart(obj: KubeObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export class World {
  now = START;
  readonly events: EventSpec[] = [];
  /** Pods are deleted gracefully (kept, with a deletionTimestamp) when they run on a node. */
  gracefulPods = false;
  private readonly objects = new Map<string, KubeObject>();
  private uid = 0;
  private rv = 0;
  private suffix = 0;

  private key(resource: ResourceRef, ns: string | undefined, name: string | undefined): string {
    return `${resource.plural}/${ns ?? ""}/${name ?? ""}`;
  }

  advance(ms: number): void {
    this.now += ms;
  }

  /** Stores an object as the store would create it, and returns the stored copy. */
  add(resource: ResourceRef, input: KubeObject): KubeObject {
    const obj = cloneJson(input);
    const meta = obj.metadata;
    meta.namespace ??= "default";
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${this.randomSuffix()}`;
    const key = this.key(resource, meta.namespace, meta.name);
    if (this.objects.has(key)) throw new Error(`${key} already exists`);
    meta.uid = `uid-${++this.uid}`;
    meta.resourceVersion = String(++this.rv);
    meta.creationTimestamp = rfc3339(this.now);
    meta.generation = 1;
    if (resource === PODS) obj.status = { phase: "Pending", ...(obj.status ?? {}) };
    else if (resource === REPLICASETS || resource === DEPLOYMENTS) obj.status = {};
    this.objects.set(key, obj);
    return cloneJson(obj);
  }

  get(resource: ResourceRef, name: string, ns = "default"): KubeObject | undefined {
    const obj = this.objects.get(this.key(resource, ns, name));
    return obj ? cloneJson(obj) : undefined;
  }

  list(resource: ResourceRef, ns = "default"): KubeObject[] {
    const prefix = `${resource.plural}/${ns}/`;
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => cloneJson(v));
  }

  /** Replaces an object as a client would (spec changes bump the generation). */
  replace(resource: ResourceRef, obj: KubeObject): KubeObject {
    if (!this.write(resource, obj, false)) throw new Error("conflict");
    return this.get(resource, obj.metadata.name ?? "", obj.metadata.namespace) as KubeObject;
  }

  randomSuffix = (): string => {
    let n = this.suffix++;
    let out = "";
    for (let i = 0; i < 5; i++) {
      out += ALPHABET[n % ALPHABET.length];
      n = Math.floor(n / ALPHABET.length);
    }
    return out;
  };

  private write(resource: ResourceRef, incoming: KubeObject, statusOnly: boolean): boolean {
    const key = this.key(resource, incoming.metadata.namespace, incoming.metadata.name);
    const existing = this.objects.get(key);
    if (!existing) return false;
    const sent = incoming.metadata.resourceVersion;
    if (sent && sent !== existing.metadata.resourceVersion) return false;
    let next: KubeObject;
    if (statusOnly) {
      next = cloneJson(existing);
      next.status = cloneJson(incoming.status);
      // Upstream's Deployment status strategy lets annotations through (the revision annotation).
      if (resource === DEPLOYMENTS) next.metadata.annotations = cloneJson(incoming.metadata.annotations);
    } else {
      next = cloneJson(incoming);
      next.status = cloneJson(existing.status);
      for (const k of ["uid", "creationTimestamp", "generation", "deletionTimestamp"] as const) {
        if (existing.metadata[k] === undefined) delete next.metadata[k];
        else Object.assign(next.metadata, { [k]: existing.metadata[k] });
      }
      if (!jsonEqual(specPart(next), specPart(existing)))
        next.metadata.generation = (existing.metadata.generation ?? 0) + 1;
    }
    next.metadata.resourceVersion = existing.metadata.resourceVersion;
    if (jsonEqual(next, existing)) return true;
    next.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, next);
    return true;
  }

  private remove(resource: ResourceRef, ns: string, name: string, uid?: string): void {
    const key = this.key(resource, ns, name);
    const obj = this.objects.get(key);
    if (!obj || (uid && obj.metadata.uid !== uid)) return;
    const pod = obj as PodObject;
    const phase = pod.status?.phase;
    if (resource === PODS && this.gracefulPods && pod.spec?.nodeName && phase !== "Failed" && phase !== "Succeeded") {
      if (!obj.metadata.deletionTimestamp) {
        obj.metadata.deletionTimestamp = rfc3339(this.now);
        obj.metadata.resourceVersion = String(++this.rv);
      }
      return;
    }
    this.objects.delete(key);
    // Background garbage collection of what the object controlled.
    for (const [k, child] of [...this.objects.entries()]) {
      if (controllerOf(child)?.uid === obj.metadata.uid) {
        const plural = k.split("/")[0];
        const ref = plural === "pods" ? PODS : plural === "replicasets" ? REPLICASETS : DEPLOYMENTS;
        this.remove(ref, child.metadata.namespace ?? "", child.metadata.name ?? "");
      }
    }
  }

  /** Performs a plan's actions in order, as the controller host would. */
  apply(actions: Action[]): ApplyResult {
    const result: ApplyResult = { conflicts: 0, requeues: [] };
    for (const a of actions) {
      switch (a.type) {
        case "create":
          this.add(a.resource, a.object);
          break;
        case "update":
        case "updateStatus":
          if (!this.write(a.resource, a.object, a.type === "updateStatus")) result.conflicts++;
          break;
        case "delete":
          this.remove(a.resource, a.namespace, a.name, a.uid);
          break;
        case "event":
          this.events.push(a.event);
          break;
        case "requeue":
          result.requeues.push(a.afterMs);
          break;
        case "bind":
          break;
      }
    }
    return result;
  }

  // --- the node's part ---

  private updatePod(name: string, change: (pod: PodObject) => void): void {
    const pod = this.objects.get(this.key(PODS, "default", name)) as PodObject | undefined;
    if (!pod) throw new Error(`no pod ${name}`);
    change(pod);
    pod.metadata.resourceVersion = String(++this.rv);
  }

  /** Scheduled and running, not ready yet. */
  markRunning(name: string, nodeName = "node-1"): void {
    this.updatePod(name, (pod) => {
      pod.spec = { ...(pod.spec ?? {}), nodeName: pod.spec?.nodeName ?? nodeName };
      const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "Ready");
      conditions.push({ type: "Ready", status: "False", lastTransitionTime: rfc3339(this.now) });
      pod.status = { ...(pod.status ?? {}), phase: "Running", conditions };
    });
  }

  /** Running and Ready since now. */
  markReady(name: string, nodeName = "node-1"): void {
    const pod = this.get(PODS, name) as PodObject | undefined;
    if (pod?.status?.phase !== "Running") this.markRunning(name, nodeName);
    this.updatePod(name, (p) => {
      const conditions = (p.status?.conditions ?? []).filter((c) => c.type !== "Ready");
      conditions.push({ type: "Ready", status: "True", lastTransitionTime: rfc3339(this.now) });
      p.status = { ...(p.status ?? {}), conditions };
    });
  }

  markFailed(name: string): void {
    this.updatePod(name, (pod) => {
      pod.status = { ...(pod.status ?? {}), phase: "Failed", conditions: [] };
    });
  }

  /** The kubelet finishing graceful deletions: terminating pods go away. */
  finishTerminations(): void {
    for (const pod of this.list(PODS)) {
      if (pod.metadata.deletionTimestamp) this.objects.delete(this.key(PODS, "default", pod.metadata.name));
    }
  }

  pods(): PodObject[] {
    return this.list(PODS) as PodObject[];
  }

  // --- controllers ---

  syncReplicaSet(name: string): ApplyResult {
    const rs = this.get(REPLICASETS, name);
    if (!rs) return { conflicts: 0, requeues: [] };
    const plan = planReplicaSet({ rs, pods: this.list(PODS), now: this.now, randomSuffix: this.randomSuffix });
    return this.apply(plan);
  }

  syncDeployment(name: string): ApplyResult {
    const deployment = this.get(DEPLOYMENTS, name);
    if (!deployment) return { conflicts: 0, requeues: [] };
    const plan = planDeployment({
      deployment,
      replicaSets: this.list(REPLICASETS),
      pods: this.list(PODS),
      now: this.now,
    });
    return this.apply(plan);
  }

  /**
   * Runs the Deployment and every ReplicaSet until nothing changes (what watch-driven requeues
   * amount to). Returns the requeues asked for on the last round.
   */
  settle(deployment: string, maxRounds = 50): number[] {
    for (let round = 0; round < maxRounds; round++) {
      const before = this.rv;
      const requeues = [...this.syncDeployment(deployment).requeues];
      for (const rs of this.list(REPLICASETS)) requeues.push(...this.syncReplicaSet(rs.metadata.name ?? "").requeues);
      if (this.rv === before) return requeues;
    }
    throw new Error(`no steady state after ${maxRounds} rounds`);
  }
}
