// Finding (or creating) the ReplicaSet for the Deployment's current template, and the revision
// bookkeeping `kubectl rollout history/undo` reads: the new ReplicaSet always has the highest
// revision, so a template that becomes current again (an undo) gets max+1 and remembers its old
// numbers in revision-history.

import { cloneJson, newControllerRef, rfc3339 } from "../pod-utils.ts";
import type { SyncContext } from "./context.ts";
import { equalIgnoreHash, POD_TEMPLATE_HASH_LABEL, podTemplateHash } from "./hash.ts";
import { getCondition, newCondition, REASON, setCondition } from "./status.ts";
import {
  byCreation,
  DEPRECATED_ROLLBACK_TO,
  DESIRED_REPLICAS,
  desiredReplicas,
  hasProgressDeadline,
  isRollingUpdate,
  LAST_APPLIED,
  MAX_REPLICAS,
  MAX_REVISION_HISTORY_CHARS,
  maxRevision,
  maxSurge,
  REVISION,
  REVISION_HISTORY,
  type ReplicaSetObject,
  specReplicaSum,
  specReplicas,
} from "./util.ts";

const NOT_COPIED = new Set([
  LAST_APPLIED,
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  DEPRECATED_ROLLBACK_TO,
]);

/** The oldest ReplicaSet whose template is the Deployment's (upstream picks the oldest if several). */
export function findNewReplicaSet(ctx: SyncContext, rsList: ReplicaSetObject[]): ReplicaSetObject | undefined {
  return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, ctx.d.spec?.template));
}

/**
 * Copies the Deployment's annotations (change-cause among them) onto its new ReplicaSet and moves
 * the ReplicaSet's revision up to newRevision when it is lower. Returns whether anything changed.
 */
function setNewReplicaSetAnnotations(ctx: SyncContext, rs: ReplicaSetObject, newRevision: number, exists: boolean) {
  const annotations = { ...(rs.metadata.annotations ?? {}) };
  let changed = false;
  for (const [k, v] of Object.entries(ctx.d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldText = annotations[REVISION];
  if (oldText !== undefined && !/^-?\d+$/.test(oldText)) return false;
  const oldRevision = oldText === undefined ? 0 : Number.parseInt(oldText, 10);
  if (oldRevision < newRevision) {
    annotations[REVISION] = String(newRevision);
    changed = true;
    // A ReplicaSet that had a revision and gets a newer one is being rolled back to: keep its old
    // numbers, dropping the oldest ones past upstream's 2000-character bound.
    if (oldText !== undefined) {
      const history = annotations[REVISION_HISTORY] ? annotations[REVISION_HISTORY].split(",") : [];
      history.push(oldText);
      while (history.join(",").length > MAX_REVISION_HISTORY_CHARS && history.length > 1) history.shift();
      annotations[REVISION_HISTORY] = history.join(",");
    }
  }
  if (!exists) {
    const replicas = desiredReplicas(ctx.d);
    annotations[DESIRED_REPLICAS] = String(replicas);
    annotations[MAX_REPLICAS] = String(replicas + maxSurge(ctx.d));
    changed = true;
  }
  if (changed) rs.metadata.annotations = annotations;
  return changed;
}

function setDeploymentRevision(ctx: SyncContext, revision: string | undefined): void {
  if (revision === undefined) return;
  const annotations = ctx.d.metadata.annotations ?? {};
  if (annotations[REVISION] !== revision) ctx.d.metadata.annotations = { ...annotations, [REVISION]: revision };
}

/**
 * How many replicas the new ReplicaSet should have now (upstream's NewRSNewReplicas): all of them
 * for Recreate; for RollingUpdate as many as fit under replicas + maxSurge, never more than desired.
 */
export function newReplicaSetReplicas(ctx: SyncContext, allRSs: ReplicaSetObject[], newRS: ReplicaSetObject): number {
  const replicas = desiredReplicas(ctx.d);
  if (!isRollingUpdate(ctx.d)) return replicas;
  const maxTotal = replicas + maxSurge(ctx.d);
  const current = specReplicaSum(allRSs);
  if (current >= maxTotal) return specReplicas(newRS);
  return specReplicas(newRS) + Math.min(maxTotal - current, replicas - specReplicas(newRS));
}

function buildNewReplicaSet(ctx: SyncContext, hash: string): ReplicaSetObject {
  const d = ctx.d;
  const spec = d.spec ?? {};
  const template = cloneJson(spec.template ?? {});
  template.metadata = { ...(template.metadata ?? {}) };
  template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const selector = cloneJson(spec.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  const rs: ReplicaSetObject = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...template.metadata.labels },
      ownerReferences: [newControllerRef(d, "apps/v1", "Deployment")],
      // Only for ordering within this sync; the store sets the real one.
      creationTimestamp: rfc3339(ctx.now),
    },
    spec: { replicas: 0, selector, template },
  };
  if (spec.minReadySeconds) rs.spec = { ...rs.spec, minReadySeconds: spec.minReadySeconds };
  return rs;
}

/**
 * A free name for the new ReplicaSet. Upstream learns of a taken name from the create's
 * AlreadyExists, bumps status.collisionCount and retries next sync; this plan sees every
 * ReplicaSet in the namespace, so it bumps the count until the name is free, in one go.
 */
function freeHash(ctx: SyncContext, namespaceRSs: ReplicaSetObject[]): string {
  const taken = new Set(namespaceRSs.map((rs) => rs.metadata.name));
  ctx.d.status ??= {};
  const status = ctx.d.status;
  for (let tries = 0; ; tries++) {
    const hash = podTemplateHash(ctx.d.spec?.template, status.collisionCount);
    if (!taken.has(`${ctx.d.metadata.name}-${hash}`) || tries >= 100) return hash;
    status.collisionCount = (status.collisionCount ?? 0) + 1;
  }
}

export interface ReplicaSets {
  newRS: ReplicaSetObject | undefined;
  /** Every other owned ReplicaSet, scaled down or not. */
  oldRSs: ReplicaSetObject[];
}

/**
 * Upstream's getAllReplicaSetsAndSyncRevision. `rsList` holds working copies of the owned
 * ReplicaSets; `namespaceRSs` every ReplicaSet in the namespace (for name collisions).
 */
export function replicaSetsAndSyncRevision(
  ctx: SyncContext,
  rsList: ReplicaSetObject[],
  namespaceRSs: ReplicaSetObject[],
  createIfMissing: boolean,
): ReplicaSets {
  const existing = findNewReplicaSet(ctx, rsList);
  const oldRSs = rsList.filter((rs) => rs !== existing);
  const newRevision = maxRevision(oldRSs) + 1;
  const d = ctx.d;
  if (existing) {
    setNewReplicaSetAnnotations(ctx, existing, newRevision, true);
    const minReady = d.spec?.minReadySeconds ?? 0;
    if ((existing.spec?.minReadySeconds ?? 0) !== minReady) {
      const { minReadySeconds: _old, ...spec } = existing.spec ?? {};
      existing.spec = minReady > 0 ? { ...spec, minReadySeconds: minReady } : spec;
    }
    // Upstream updates the ReplicaSet first and the Deployment on a later sync; both in one go here.
    setDeploymentRevision(ctx, existing.metadata.annotations?.[REVISION]);
    if (hasProgressDeadline(d) && !getCondition(d.status, "Progressing")) {
      const message = `Found new replica set "${existing.metadata.name}"`;
      d.status ??= {};
      setCondition(d.status, newCondition("Progressing", "True", REASON.foundNewReplicaSet, message, ctx.now));
    }
    return { newRS: existing, oldRSs };
  }
  if (!createIfMissing) return { newRS: undefined, oldRSs };

  const rs = ctx.create(buildNewReplicaSet(ctx, freeHash(ctx, namespaceRSs)));
  const replicas = newReplicaSetReplicas(ctx, [...oldRSs, rs], rs);
  rs.spec = { ...rs.spec, replicas };
  setNewReplicaSetAnnotations(ctx, rs, newRevision, false);
  if (replicas > 0)
    ctx.event("Normal", "ScalingReplicaSet", `Scaled up replica set ${rs.metadata.name} from 0 to ${replicas}`);
  setDeploymentRevision(ctx, String(newRevision));
  if (hasProgressDeadline(d)) {
    const message = `Created new replica set "${rs.metadata.name}"`;
    d.status ??= {};
    setCondition(d.status, newCondition("Progressing", "True", REASON.newReplicaSetCreated, message, ctx.now));
  }
  return { newRS: rs, oldRSs };
}
