// Which Deployments to sync after a ReplicaSet or a pod changed (upstream's event handlers). The
// Deployment plan reads its ReplicaSets' statuses, so every change to one of them must bring the
// Deployment back; a Recreate rollout also waits for old pods to be gone, so pod deletions do too.

import type { KubeObject } from "../../../schemas/object.ts";
import { controllerOf, selectorOf } from "../pod-utils.ts";
import { type Change, ownersToSync } from "../replicaset/enqueue.ts";
import type { DeploymentObject } from "./util.ts";

export function deploymentsToSyncForReplicaSet(rsChange: Change, deployments: readonly KubeObject[]): string[] {
  return ownersToSync(rsChange, "Deployment", deployments, (d) => selectorOf((d as DeploymentObject).spec?.selector));
}

/** On a pod's deletion: the Recreate Deployment whose ReplicaSet controlled it. */
export function deploymentsToSyncForPod(
  podChange: Change,
  replicaSets: KubeObject[],
  deployments: KubeObject[],
): string[] {
  if (podChange.new !== undefined || podChange.old === undefined) return [];
  const rsRef = controllerOf(podChange.old);
  if (rsRef?.kind !== "ReplicaSet") return [];
  const rs = replicaSets.find((r) => r.metadata.uid === rsRef.uid);
  const dRef = rs ? controllerOf(rs) : undefined;
  if (dRef?.kind !== "Deployment") return [];
  const d = deployments.find((x) => x.metadata.uid === dRef.uid) as DeploymentObject | undefined;
  return d && d.spec?.strategy?.type === "Recreate" ? [d.metadata.name ?? ""] : [];
}
