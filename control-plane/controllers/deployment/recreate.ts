// The Recreate strategy (upstream's recreate.go): every old pod is gone before a new one starts,
// for applications that cannot run two versions side by side.

import { isControlledBy, type PodObject } from "../pod-utils.ts";
import type { SyncContext } from "./context.ts";
import { replicaSetsAndSyncRevision } from "./new-replicaset.ts";
import { finishRolloutStep } from "./rolling.ts";
import { deploymentComplete } from "./status.ts";
import { cleanupDeployment } from "./sync.ts";
import { actualReplicaSum, desiredReplicas, filterActive, type ReplicaSetObject } from "./util.ts";

/**
 * Whether any old pod may still run. Old ReplicaSets reporting replicas count, and so does any pod
 * they control that has not finished, terminating ones included: a pod being deleted still runs
 * until its containers stop, and the point of Recreate is that versions never overlap.
 */
function oldPodsRunning(newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[], pods: PodObject[]): boolean {
  if (actualReplicaSum(oldRSs) > 0) return true;
  return pods.some((pod) => {
    const phase = pod.status?.phase;
    if (phase === "Failed" || phase === "Succeeded") return false;
    if (newRS && isControlledBy(pod, newRS.metadata.uid)) return false;
    return oldRSs.some((rs) => isControlledBy(pod, rs.metadata.uid));
  });
}

/** `pods`: the pods the Deployment's selector matches (the plan filters them by owner). */
export function rolloutRecreate(
  ctx: SyncContext,
  rsList: ReplicaSetObject[],
  namespaceRSs: ReplicaSetObject[],
  pods: PodObject[],
): void {
  let { newRS, oldRSs } = replicaSetsAndSyncRevision(ctx, rsList, namespaceRSs, false);
  const all = () => (newRS ? [...oldRSs, newRS] : oldRSs);

  let scaledDown = false;
  for (const rs of filterActive(oldRSs)) scaledDown = ctx.scaleAndRecord(rs, 0) || scaledDown;
  if (!scaledDown && !oldPodsRunning(newRS, oldRSs, pods)) {
    // Only now is the new ReplicaSet created (at full size: Recreate has no surge).
    if (!newRS) ({ newRS, oldRSs } = replicaSetsAndSyncRevision(ctx, rsList, namespaceRSs, true));
    if (newRS) ctx.scaleAndRecord(newRS, desiredReplicas(ctx.d));
    if (deploymentComplete(ctx.d, ctx.d.status ?? {})) cleanupDeployment(ctx, oldRSs);
  }
  finishRolloutStep(ctx, all(), newRS);
}
