// The RollingUpdate strategy (upstream's rolling.go): one step per sync, either growing the new
// ReplicaSet within maxSurge or shrinking old ones within maxUnavailable, never both, so every
// step is judged on ReplicaSet statuses that reflect the previous one.

import type { SyncContext } from "./context.ts";
import { newReplicaSetReplicas, replicaSetsAndSyncRevision } from "./new-replicaset.ts";
import { deploymentComplete, progressRequeueMs, rolloutStatus } from "./status.ts";
import { cleanupDeployment } from "./sync.ts";
import {
  availableReplicaSum,
  byCreation,
  desiredReplicas,
  filterActive,
  maxUnavailable,
  type ReplicaSetObject,
  specReplicaSum,
  specReplicas,
} from "./util.ts";

/** Ends a rollout step: the status with its Progressing verdict, and a deadline check to come. */
export function finishRolloutStep(ctx: SyncContext, allRSs: ReplicaSetObject[], newRS: ReplicaSetObject | undefined) {
  const status = rolloutStatus(ctx.d, allRSs, newRS, ctx.now);
  ctx.d.status = status;
  ctx.requeue(progressRequeueMs(ctx.d, status, ctx.now));
}

function reconcileNewReplicaSet(ctx: SyncContext, allRSs: ReplicaSetObject[], newRS: ReplicaSetObject): boolean {
  const replicas = desiredReplicas(ctx.d);
  if (specReplicas(newRS) === replicas) return false;
  if (specReplicas(newRS) > replicas) return ctx.scaleAndRecord(newRS, replicas);
  return ctx.scaleAndRecord(newRS, newReplicaSetReplicas(ctx, allRSs, newRS));
}

/**
 * Scales old ReplicaSets down by their unavailable pods first (oldest first): removing those
 * costs no availability, and left alone they would block the rollout until its deadline.
 * Returns the number removed, or -1 when a status is ahead of its spec (a stale view: stop).
 */
function cleanupUnhealthyReplicas(ctx: SyncContext, oldRSs: ReplicaSetObject[], maxCleanup: number): number {
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= maxCleanup) break;
    const replicas = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const count = Math.min(maxCleanup - total, replicas - available);
    if (count < 0) return -1;
    ctx.scaleAndRecord(rs, replicas - count);
    total += count;
  }
  return total;
}

/** Scales old ReplicaSets down (oldest first) by as many pods as are available beyond the minimum. */
function scaleDownOldReplicaSets(ctx: SyncContext, allRSs: ReplicaSetObject[], oldRSs: ReplicaSetObject[]): number {
  const minAvailable = desiredReplicas(ctx.d) - maxUnavailable(ctx.d);
  const available = availableReplicaSum(allRSs);
  if (available <= minAvailable) return 0;
  const target = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= target) break;
    const replicas = specReplicas(rs);
    if (replicas === 0) continue;
    const count = Math.min(replicas, target - total);
    ctx.scaleAndRecord(rs, replicas - count);
    total += count;
  }
  return total;
}

/**
 * How far old ReplicaSets may shrink: all pods, minus the minimum that must stay available, minus
 * new pods not yet available (they count against availability too, so a crash-looping new
 * template cannot drain the old pods).
 */
function reconcileOldReplicaSets(
  ctx: SyncContext,
  allRSs: ReplicaSetObject[],
  oldRSs: ReplicaSetObject[],
  newRS: ReplicaSetObject,
): boolean {
  if (specReplicaSum(oldRSs) === 0) return false;
  const minAvailable = desiredReplicas(ctx.d) - maxUnavailable(ctx.d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = specReplicaSum(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = cleanupUnhealthyReplicas(ctx, oldRSs, maxScaledDown);
  if (cleaned < 0) return false;
  const scaled = scaleDownOldReplicaSets(ctx, [...oldRSs, newRS], oldRSs);
  return cleaned + scaled > 0;
}

export function rolloutRolling(ctx: SyncContext, rsList: ReplicaSetObject[], namespaceRSs: ReplicaSetObject[]): void {
  const { newRS, oldRSs } = replicaSetsAndSyncRevision(ctx, rsList, namespaceRSs, true);
  if (!newRS) return;
  const allRSs = [...oldRSs, newRS];
  // Scaling down is only considered when there was nothing to scale up (|| stops early).
  const scaled =
    reconcileNewReplicaSet(ctx, allRSs, newRS) || reconcileOldReplicaSets(ctx, allRSs, filterActive(oldRSs), newRS);
  // Old revisions are only pruned once the rollout is over, so a rollback target survives it.
  if (!scaled && deploymentComplete(ctx.d, ctx.d.status ?? {})) cleanupDeployment(ctx, oldRSs);
  finishRolloutStep(ctx, allRSs, newRS);
}
