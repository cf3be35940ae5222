// What happens to pods on a node the controller has given up on.
// - Taint-based eviction (upstream's taint eviction controller): a pod on a node with NoExecute
//   taints is deleted at once if it does not tolerate one of them, after the shortest matching
//   tolerationSeconds if it tolerates them all for a while, and never if it tolerates them forever.
//   The clock starts at the taint's timeAdded, or at the control plane's start if that is later
//   (upstream's timers live in memory and restart with the controller: a fresh period).
// - Pods on an unreachable node are marked not Ready, so Services stop sending them traffic.
// - Pods bound to a node that no longer exists are force-deleted (upstream's pod GC), marked
//   Failed first so whoever watches them sees how they ended.

import type { Taint } from "../../../schemas/core/node.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import type { PodCondition } from "../../../schemas/core/pod-status.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { parseTime, rfc3339 } from "../events/time.ts";
import { NO_EXECUTE, tolerates, withDefaultTolerations } from "./taints.ts";

export type PodObject = KubeObject & Pod;

export interface EvictionClock {
  now: number;
  startedAt: number;
  /** Seconds for the default not-ready/unreachable tolerations (DefaultTolerationSeconds). */
  defaultTolerationSeconds: number;
}

/**
 * When the pod must go because of the node's NoExecute taints: a time (possibly already past), or
 * undefined when it may stay forever (no NoExecute taint, or tolerated without a time limit).
 */
export function evictionTime(pod: PodObject, taints: Taint[], clock: EvictionClock): number | undefined {
  const tolerations = withDefaultTolerations(pod.spec?.tolerations ?? [], clock.defaultTolerationSeconds);
  let due: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== NO_EXECUTE) continue;
    // Upstream matches each taint with the first toleration that fits it.
    const toleration = tolerations.find((t) => tolerates(t, taint));
    if (!toleration) return clock.now;
    if (toleration.tolerationSeconds === undefined) continue;
    const start = Math.max(parseTime(taint.timeAdded) ?? clock.startedAt, clock.startedAt);
    const at = start + Math.max(0, toleration.tolerationSeconds) * 1000;
    due = due === undefined ? at : Math.min(due, at);
  }
  return due;
}

/**
 * Upstream's UpdatePodCondition, in place on a clone: a condition whose status flips gets a new
 * lastTransitionTime; reason and message are replaced only when given (marking a pod not ready
 * keeps what its Ready condition said). Returns whether anything changed.
 */
export function setPodCondition(pod: PodObject, condition: PodCondition, now: number): boolean {
  pod.status ??= {};
  pod.status.conditions ??= [];
  const old = pod.status.conditions.find((c) => c.type === condition.type);
  if (!old) {
    pod.status.conditions.push({ ...condition, lastTransitionTime: rfc3339(now) });
    return true;
  }
  const reasonChanges = condition.reason !== undefined && condition.reason !== old.reason;
  const messageChanges = condition.message !== undefined && condition.message !== old.message;
  if (old.status === condition.status && !reasonChanges && !messageChanges) return false;
  if (old.status !== condition.status) old.lastTransitionTime = rfc3339(now);
  old.status = condition.status;
  if (condition.reason !== undefined) old.reason = condition.reason;
  if (condition.message !== undefined) old.message = condition.message;
  return true;
}

export function isPodReady(pod: PodObject): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export function isTerminal(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

export const TAINT_EVICTION_CONDITION: PodCondition = {
  type: "DisruptionTarget",
  status: "True",
  reason: "DeletionByTaintManager",
  message: "Taint manager: deleting due to NoExecute taint",
};

export const ORPHANED_POD_CONDITION: PodCondition = {
  type: "DisruptionTarget",
  status: "True",
  reason: "DeletionByPodGC",
  message: "PodGC: node no longer exists",
};

export const NOT_READY_CONDITION: PodCondition = { type: "Ready", status: "False" };
