// A Deployment's status, as kubectl's DeploymentStatusViewer reads it: replica counts summed over
// the ReplicaSets, the Available condition, and the Progressing condition that carries the
// progress deadline (upstream's calculateStatus and syncRolloutStatus).

import type { DeploymentCondition, DeploymentStatus } from "../../../schemas/apps/deployment.ts";
import { cloneJson, parseTime, rfc3339 } from "../pod-utils.ts";
import {
  actualReplicaSum,
  availableReplicaSum,
  type DeploymentObject,
  desiredReplicas,
  hasProgressDeadline,
  maxUnavailable,
  type ReplicaSetObject,
  readyReplicaSum,
  specReplicaSum,
} from "./util.ts";

export const REASON = {
  replicaSetUpdated: "ReplicaSetUpdated",
  newReplicaSetCreated: "NewReplicaSetCreated",
  foundNewReplicaSet: "FoundNewReplicaSet",
  newReplicaSetAvailable: "NewReplicaSetAvailable",
  timedOut: "ProgressDeadlineExceeded",
  paused: "DeploymentPaused",
  resumed: "DeploymentResumed",
  minimumReplicasAvailable: "MinimumReplicasAvailable",
  minimumReplicasUnavailable: "MinimumReplicasUnavailable",
} as const;

export function newCondition(type: string, status: string, reason: string, message: string, now: number) {
  const time = rfc3339(now);
  return { type, status, lastUpdateTime: time, lastTransitionTime: time, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length > 0) status.conditions = rest;
  else delete status.conditions;
}

/**
 * Upstream's SetDeploymentCondition: the same status and reason changes nothing (so times stay);
 * the same status keeps its transition time; the condition moves to the end of the list.
 */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type ?? "");
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

/** Counts from the ReplicaSets, conditions carried over, and the Available condition. */
export function calculateStatus(
  d: DeploymentObject,
  allRSs: ReplicaSetObject[],
  newRS: ReplicaSetObject | undefined,
  now: number,
): DeploymentStatus {
  const available = availableReplicaSum(allRSs);
  const status: DeploymentStatus = {};
  // Zero counts are left out, as omitempty leaves them out of upstream's JSON.
  const counts: [keyof DeploymentStatus, number][] = [
    ["observedGeneration", d.metadata.generation ?? 0],
    ["replicas", actualReplicaSum(allRSs)],
    ["updatedReplicas", newRS ? actualReplicaSum([newRS]) : 0],
    ["readyReplicas", readyReplicaSum(allRSs)],
    ["availableReplicas", available],
    // More available than asked for happens while scaling down: never negative.
    ["unavailableReplicas", Math.max(0, specReplicaSum(allRSs) - available)],
  ];
  for (const [key, n] of counts) if (n > 0) Object.assign(status, { [key]: n });
  // terminatingReplicas (beta, on by default in 1.35) is a pointer upstream: set once any
  // ReplicaSet reports it.
  const reporting = allRSs.filter((rs) => rs.status?.terminatingReplicas !== undefined);
  if (reporting.length > 0) {
    status.terminatingReplicas = reporting.reduce((n, rs) => n + (rs.status?.terminatingReplicas ?? 0), 0);
  }
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions) status.conditions = cloneJson(d.status.conditions);

  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    const message = "Deployment has minimum availability.";
    setCondition(status, newCondition("Available", "True", REASON.minimumReplicasAvailable, message, now));
  } else {
    const message = "Deployment does not have minimum availability.";
    setCondition(status, newCondition("Available", "False", REASON.minimumReplicasUnavailable, message, now));
  }
  return status;
}

/** All desired replicas updated, present and available, and the latest spec observed. */
export function deploymentComplete(d: DeploymentObject, status: DeploymentStatus): boolean {
  const replicas = desiredReplicas(d);
  return (
    (status.updatedReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** Progress: more updated, ready or available pods, or fewer old ones, than the last status said. */
export function deploymentProgressing(d: DeploymentObject, next: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** No progress reported for longer than progressDeadlineSeconds (strictly, as upstream's Before). */
export function deploymentTimedOut(d: DeploymentObject, status: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(status, "Progressing");
  if (!cond) return false;
  // A finished rollout does not time out: a resync may see the new ReplicaSet before the status
  // that says it was created.
  if (cond.reason === REASON.newReplicaSetAvailable) return false;
  if (cond.reason === REASON.timedOut) return true;
  const from = parseTime(cond.lastUpdateTime);
  return from !== undefined && from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now;
}

/**
 * Upstream's syncRolloutStatus: the status after a rollout step, with the Progressing condition
 * moved on when the rollout completed, progressed (only lastUpdateTime moves, which restarts the
 * deadline) or ran out of time.
 */
export function rolloutStatus(
  d: DeploymentObject,
  allRSs: ReplicaSetObject[],
  newRS: ReplicaSetObject | undefined,
  now: number,
): DeploymentStatus {
  const status = calculateStatus(d, allRSs, newRS, now);
  if (!hasProgressDeadline(d)) removeCondition(status, "Progressing");
  const current = getCondition(d.status, "Progressing");
  const complete = status.replicas === status.updatedReplicas && current?.reason === REASON.newReplicaSetAvailable;
  const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, status)) {
      const message = `${subject} has successfully progressed.`;
      setCondition(status, newCondition("Progressing", "True", REASON.newReplicaSetAvailable, message, now));
    } else if (deploymentProgressing(d, status)) {
      const cond = newCondition("Progressing", "True", REASON.replicaSetUpdated, `${subject} is progressing.`, now);
      if (current) {
        if (current.status === "True" && current.lastTransitionTime)
          cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, "Progressing");
      }
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      const message = `${subject} has timed out progressing.`;
      setCondition(status, newCondition("Progressing", "False", REASON.timedOut, message, now));
    }
  }
  // ReplicaFailure comes from ReplicaSets whose pod creates fail; the ReplicaSet plan never
  // reports one, so only a stale one is removed here.
  const failure = [newRS, ...allRSs]
    .flatMap((rs) => rs?.status?.conditions ?? [])
    .find((c) => c.type === "ReplicaFailure");
  if (failure) {
    const time = failure.lastTransitionTime;
    setCondition(status, { ...failure, type: "ReplicaFailure", lastUpdateTime: time, lastTransitionTime: time });
  } else removeCondition(status, "ReplicaFailure");
  return status;
}

/**
 * When to look again for a progress deadline (upstream's requeueStuckDeployment): the time left
 * until the Progressing condition's lastUpdateTime plus the deadline, plus a second against
 * clock skew; undefined when nothing is pending.
 */
export function progressRequeueMs(d: DeploymentObject, status: DeploymentStatus, now: number): number | undefined {
  const cond = getCondition(status, "Progressing");
  if (!hasProgressDeadline(d) || !cond) return undefined;
  if (deploymentComplete(d, status) || cond.reason === REASON.timedOut) return undefined;
  // After a finished rollout the deadline no longer applies (deploymentTimedOut says so): asking
  // again would only poll a degraded Deployment every second.
  if (cond.reason === REASON.newReplicaSetAvailable) return undefined;
  // A paused deployment's condition is Unknown and never times out while paused.
  if (d.spec?.paused) return undefined;
  const from = parseTime(cond.lastUpdateTime);
  if (from === undefined) return undefined;
  const left = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now;
  return Math.max(0, left) + 1000;
}
