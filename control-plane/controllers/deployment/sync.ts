// The parts of a Deployment sync that are not a rollout step: the paused/resumed marker, scaling
// (proportional while a rollout is in flight), revision-history cleanup, and the plain status
// update of a scaling or paused sync (upstream's sync.go).

import type { SyncContext } from "./context.ts";
import { replicaSetsAndSyncRevision } from "./new-replicaset.ts";
import { calculateStatus, getCondition, newCondition, REASON, setCondition } from "./status.ts";
import {
  annotationInt,
  byCreation,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  DESIRED_REPLICAS,
  type DeploymentObject,
  desiredReplicas,
  filterActive,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  MAX_REPLICAS,
  maxSurge,
  type ReplicaSetObject,
  specReplicaSum,
  specReplicas,
} from "./util.ts";

/**
 * Marks a pause or resume in the Progressing condition (status Unknown) so that the time spent
 * paused never counts against the progress deadline; a timed-out rollout keeps its verdict.
 */
export function checkPausedConditions(ctx: SyncContext): void {
  const d = ctx.d;
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, "Progressing");
  if (cond?.reason === REASON.timedOut) return;
  const pausedMarked = cond?.reason === REASON.paused;
  d.status ??= {};
  if (d.spec?.paused && !pausedMarked) {
    setCondition(d.status, newCondition("Progressing", "Unknown", REASON.paused, "Deployment is paused", ctx.now));
  } else if (!d.spec?.paused && pausedMarked) {
    setCondition(d.status, newCondition("Progressing", "Unknown", REASON.resumed, "Deployment is resumed", ctx.now));
  }
}

/** The only ReplicaSet with replicas, or the newest one when none has any; undefined if several do. */
function activeOrLatest(newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[]) {
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** This ReplicaSet's share of a resize: its size scaled by new/old deployment size (max-replicas). */
function fraction(rs: ReplicaSetObject, d: DeploymentObject): number {
  if (desiredReplicas(d) === 0) return -specReplicas(rs);
  const deploymentReplicas = desiredReplicas(d) + maxSurge(d);
  const annotated = annotationInt(rs, MAX_REPLICAS) ?? d.status?.replicas ?? 0;
  if (annotated <= 0) return 0;
  return Math.floor((specReplicas(rs) * deploymentReplicas) / annotated + 0.5) - specReplicas(rs);
}

function proportion(rs: ReplicaSetObject, d: DeploymentObject, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction(rs, d), allowed) : Math.max(fraction(rs, d), allowed);
}

/**
 * Scaling a Deployment (upstream's scale). With one active ReplicaSet it simply takes the new
 * size. Mid-rollout, every active ReplicaSet grows or shrinks in proportion to its size, so a
 * resize neither speeds the rollout up nor raises the share of a possibly bad new template; the
 * rounding leftovers go to the largest one.
 */
export function scale(ctx: SyncContext, newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[]): void {
  const d = ctx.d;
  const replicas = desiredReplicas(d);
  const single = activeOrLatest(newRS, oldRSs);
  if (single) {
    ctx.scaleAndRecord(single, replicas);
    return;
  }
  // A saturated new ReplicaSet (e.g. one adopted whole) leaves nothing for the old ones.
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) ctx.scaleAndRecord(old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = filterActive([...oldRSs, newRS]);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - specReplicaSum(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  let added = 0;
  const sizes = all.map((rs) => {
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  all.forEach((rs, i) => {
    let size = sizes[i] ?? specReplicas(rs);
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    ctx.scale(rs, size);
  });
}

/**
 * Keeps revisionHistoryLimit old ReplicaSets for rollbacks and deletes the oldest revisions past
 * it, but only those fully scaled down, with no pods left and whose last change was observed
 * (and none this sync changes).
 */
export function cleanupDeployment(ctx: SyncContext, oldRSs: ReplicaSetObject[]): void {
  const d = ctx.d;
  if (!hasRevisionHistoryLimit(d)) return;
  const cleanable = oldRSs.filter((rs) => rs.metadata.deletionTimestamp === undefined);
  const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
  if (diff <= 0) return;
  for (const rs of [...cleanable].sort(byRevision).slice(0, diff)) {
    const status = rs.status ?? {};
    if ((status.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
    if ((rs.metadata.generation ?? 0) > (status.observedGeneration ?? 0) || ctx.changed(rs)) continue;
    ctx.delete(rs);
  }
}

/** A scaling event: an active ReplicaSet was sized for a different spec.replicas than today's. */
export function isScalingEvent(ctx: SyncContext, rsList: ReplicaSetObject[], namespaceRSs: ReplicaSetObject[]) {
  const { newRS, oldRSs } = replicaSetsAndSyncRevision(ctx, rsList, namespaceRSs, false);
  const replicas = desiredReplicas(ctx.d);
  return filterActive([...oldRSs, newRS]).some((rs) => {
    const desired = annotationInt(rs, DESIRED_REPLICAS);
    return desired !== undefined && desired !== replicas;
  });
}

/** Upstream's sync: scaling (and history cleanup when paused), no rollout progress. */
export function syncScale(ctx: SyncContext, rsList: ReplicaSetObject[], namespaceRSs: ReplicaSetObject[]): void {
  const { newRS, oldRSs } = replicaSetsAndSyncRevision(ctx, rsList, namespaceRSs, false);
  scale(ctx, newRS, oldRSs);
  if (ctx.d.spec?.paused) cleanupDeployment(ctx, oldRSs);
  ctx.d.status = calculateStatus(ctx.d, newRS ? [...oldRSs, newRS] : oldRSs, newRS, ctx.now);
}

/** A Deployment being deleted: only its status follows its ReplicaSets. */
export function syncStatusOnly(ctx: SyncContext, rsList: ReplicaSetObject[], namespaceRSs: ReplicaSetObject[]): void {
  const { newRS, oldRSs } = replicaSetsAndSyncRevision(ctx, rsList, namespaceRSs, false);
  ctx.d.status = calculateStatus(ctx.d, newRS ? [...oldRSs, newRS] : oldRSs, newRS, ctx.now);
}
