// The status a ReplicaSet reports, computed from the pods it controls when the sync starts (as
// upstream does: creates and deletes of this sync show up in the next one, when the pods change).

import type { ReplicaSetSpec, ReplicaSetStatus } from "../../../schemas/apps/replicaset.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { matchesLabels } from "../../api/selectors/labels.ts";
import { isPodAvailable, isPodReady, type PodObject } from "../pod-utils.ts";

export type ReplicaSetObject = KubeObject & { spec?: ReplicaSetSpec; status?: ReplicaSetStatus };

export function calculateReplicaSetStatus(
  rs: ReplicaSetObject,
  activePods: PodObject[],
  terminatingPods: PodObject[],
  now: number,
): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const templateSelector = Object.entries(templateLabels).map(([key, v]) => ({ key, op: "=" as const, values: [v] }));
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    // Pods that carry every template label: the deployment controller once relied on this while
    // relabelling pods; it is still reported.
    if (matchesLabels(templateSelector, pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }
  // Zero counts are left out, as Go's omitempty leaves them out of upstream's JSON; replicas is
  // always written, and terminatingReplicas (beta, on by default in 1.35) is a pointer, so 0 shows.
  const status: ReplicaSetStatus = { replicas: activePods.length };
  if (fullyLabeled > 0) status.fullyLabeledReplicas = fullyLabeled;
  if (ready > 0) status.readyReplicas = ready;
  if (available > 0) status.availableReplicas = available;
  status.terminatingReplicas = terminatingPods.length;
  const generation = rs.metadata.generation ?? 0;
  if (generation > 0) status.observedGeneration = generation;
  // ReplicaFailure is only set when pod creation fails, which this plan cannot see; a stale one is
  // dropped once a sync goes through, as upstream drops it after a successful manageReplicas.
  const conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== "ReplicaFailure");
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}
