// The working state of one Deployment sync. Upstream writes each step to the API server as it
// goes (and re-reads nothing in between); a plan instead changes clones and emits one write per
// object at the end, so two steps that touch the same ReplicaSet (new revision, then scale) make
// one update with one resourceVersion precondition instead of a second one that would conflict.

import { cloneJson, jsonEqual } from "../pod-utils.ts";
import { type Action, DEPLOYMENTS, REPLICASETS } from "../types.ts";
import {
  DESIRED_REPLICAS,
  type DeploymentObject,
  desiredReplicas,
  MAX_REPLICAS,
  maxSurge,
  type ReplicaSetObject,
  specReplicas,
} from "./util.ts";

const SOURCE = "deployment-controller";

export class SyncContext {
  /** The Deployment as this sync sees it; its status and annotations change along the way. */
  readonly d: DeploymentObject;
  readonly now: number;
  private readonly input: DeploymentObject;
  private readonly originals = new Map<string, ReplicaSetObject>();
  private readonly working = new Map<string, ReplicaSetObject>();
  private readonly toCreate = new Set<string>();
  private readonly deletes: Action[] = [];
  private readonly events: Action[] = [];
  private requeueMs: number | undefined;

  constructor(deployment: DeploymentObject, now: number) {
    this.input = deployment;
    this.d = cloneJson(deployment);
    this.now = now;
  }

  /** A working copy of a ReplicaSet this sync may change (the same copy on every call). */
  track(rs: ReplicaSetObject, original: ReplicaSetObject = rs): ReplicaSetObject {
    const name = rs.metadata.name ?? "";
    const existing = this.working.get(name);
    if (existing) return existing;
    this.originals.set(name, original);
    const copy = cloneJson(rs);
    this.working.set(name, copy);
    return copy;
  }

  /** A ReplicaSet to create at the end of the sync (steps may still change it). */
  create(rs: ReplicaSetObject): ReplicaSetObject {
    const name = rs.metadata.name ?? "";
    this.working.set(name, rs);
    this.toCreate.add(name);
    return rs;
  }

  /** Whether this sync changed (or creates) the ReplicaSet. */
  changed(rs: ReplicaSetObject): boolean {
    const name = rs.metadata.name ?? "";
    return this.toCreate.has(name) || !jsonEqual(this.working.get(name), this.originals.get(name));
  }

  delete(rs: ReplicaSetObject): void {
    const meta = rs.metadata;
    this.deletes.push({
      type: "delete",
      resource: REPLICASETS,
      namespace: meta.namespace ?? "",
      name: meta.name ?? "",
      ...(meta.uid ? { uid: meta.uid } : {}),
    });
  }

  event(type: "Normal" | "Warning", reason: string, message: string): void {
    this.events.push({ type: "event", event: { regarding: this.input, type, reason, message, source: SOURCE } });
  }

  requeue(afterMs: number | undefined): void {
    if (afterMs === undefined) return;
    this.requeueMs = this.requeueMs === undefined ? afterMs : Math.min(this.requeueMs, afterMs);
  }

  /**
   * Scales a ReplicaSet and records the desired/max replicas annotations proportional scaling
   * relies on (upstream's scaleReplicaSet); an event only when the size changes.
   */
  scale(rs: ReplicaSetObject, newScale: number): boolean {
    const replicas = desiredReplicas(this.d);
    const desired = String(replicas);
    const max = String(replicas + maxSurge(this.d));
    const oldScale = specReplicas(rs);
    const annotations = rs.metadata.annotations ?? {};
    const sizeChanges = oldScale !== newScale;
    if (!sizeChanges && annotations[DESIRED_REPLICAS] === desired && annotations[MAX_REPLICAS] === max) return false;
    rs.spec = { ...(rs.spec ?? {}), replicas: newScale };
    rs.metadata.annotations = { ...annotations, [DESIRED_REPLICAS]: desired, [MAX_REPLICAS]: max };
    if (sizeChanges) {
      const verb = oldScale < newScale ? "up" : "down";
      this.event(
        "Normal",
        "ScalingReplicaSet",
        `Scaled ${verb} replica set ${rs.metadata.name} from ${oldScale} to ${newScale}`,
      );
    }
    return sizeChanges;
  }

  /** Like scale, but a no-op (annotations included) when the size is already right. */
  scaleAndRecord(rs: ReplicaSetObject, newScale: number): boolean {
    return specReplicas(rs) === newScale ? false : this.scale(rs, newScale);
  }

  /** The writes: creates, then one update per changed ReplicaSet, deletes, status, events, requeue. */
  actions(): Action[] {
    const out: Action[] = [];
    for (const [name, rs] of this.working) {
      if (this.toCreate.has(name)) {
        const object = cloneJson(rs);
        // The store assigns these; the working copy only had them for ordering.
        delete object.metadata.creationTimestamp;
        delete object.status;
        out.push({ type: "create", resource: REPLICASETS, object });
      }
    }
    for (const [name, rs] of this.working) {
      if (!this.toCreate.has(name) && !jsonEqual(rs, this.originals.get(name))) {
        out.push({ type: "update", resource: REPLICASETS, object: rs });
      }
    }
    out.push(...this.deletes);
    const annotationsChanged = !jsonEqual(this.d.metadata.annotations, this.input.metadata.annotations);
    if (annotationsChanged || !jsonEqual(this.d.status ?? {}, this.input.status ?? {})) {
      // Upstream writes the Deployment's revision annotation through the status subresource too:
      // its status strategy resets only spec and labels.
      const object = cloneJson(this.input);
      object.metadata.annotations = this.d.metadata.annotations;
      object.status = this.d.status;
      out.push({ type: "updateStatus", resource: DEPLOYMENTS, object });
    }
    out.push(...this.events);
    if (this.requeueMs !== undefined) out.push({ type: "requeue", afterMs: this.requeueMs });
    return out;
  }
}
