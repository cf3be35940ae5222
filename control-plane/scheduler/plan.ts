// planScheduling: the scheduler as a pure plan. Given the pending pods and the cluster, it places
// them one by one in upstream's queue order (higher priority first, then older first), each
// placement assumed at once so later pods of the same plan see its cpu, memory, ports and spreading.
// A placed pod gets a `bind` action and a Scheduled event; a pod that fits nowhere gets its
// PodScheduled=False/Unschedulable condition (written only when it changed) and a FailedScheduling
// event, both carrying upstream's message.

import type { PodCondition, PodStatus } from "../../schemas/core/pod-status.ts";
import type { KubeObject } from "../../schemas/object.ts";
import { type Action, PODS } from "../controllers/types.ts";
import { type ScheduleOptions, type ScheduleResult, scheduleCycle } from "./framework.ts";
import { podSpecOf } from "./pod-info.ts";
import { Snapshot } from "./snapshot.ts";

export const SCHEDULER_NAME = "default-scheduler";

export interface SchedulingInput {
  /** Pods waiting for a node; those that are not this scheduler's are ignored. */
  pending: readonly KubeObject[];
  nodes: readonly KubeObject[];
  /** The cluster's pods; the bound, unfinished ones are charged to their nodes. */
  pods: readonly KubeObject[];
  runtimeClasses: readonly KubeObject[];
  /** The time (ms since the epoch) written into conditions. */
  now: number;
  /** [0, 1): where the node search starts and how score ties are broken. */
  random: () => number;
  percentageOfNodesToScore?: number;
}

/** Whether the default scheduler should place this pod now. */
export function isSchedulable(pod: KubeObject): boolean {
  const spec = podSpecOf(pod);
  if (spec.nodeName) return false;
  if (spec.schedulerName && spec.schedulerName !== SCHEDULER_NAME) return false;
  if (pod.metadata.deletionTimestamp !== undefined) return false;
  // Gated pods wait until every gate is removed (upstream's SchedulingGates PreEnqueue).
  if ((spec.schedulingGates ?? []).length > 0) return false;
  const phase = (pod.status as PodStatus | undefined)?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

function createdAt(pod: KubeObject): number {
  const ms = Date.parse(pod.metadata.creationTimestamp ?? "");
  return Number.isNaN(ms) ? 0 : ms;
}

/** Upstream's PrioritySort: priority descending, then the order pods arrived in. */
export function queueOrder(a: KubeObject, b: KubeObject): number {
  const byPriority = (podSpecOf(b).priority ?? 0) - (podSpecOf(a).priority ?? 0);
  if (byPriority !== 0) return byPriority;
  const byAge = createdAt(a) - createdAt(b);
  if (byAge !== 0) return byAge;
  const keyA = `${a.metadata.namespace ?? ""}/${a.metadata.name ?? ""}`;
  const keyB = `${b.metadata.namespace ?? ""}/${b.metadata.name ?? ""}`;
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}

/** metav1.Time: RFC 3339 in whole seconds. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The pod with PodScheduled=False/Unschedulable, or undefined when the condition already says so. */
export function unschedulableStatus(pod: KubeObject, message: string, now: number): KubeObject | undefined {
  const status = (pod.status ?? {}) as PodStatus;
  const conditions = status.conditions ?? [];
  const current = conditions.find((c) => c.type === "PodScheduled");
  if (current?.status === "False" && current.reason === "Unschedulable" && current.message === message)
    return undefined;
  const condition: PodCondition = {
    type: "PodScheduled",
    status: "False",
    // The transition time moves only when the status does.
    lastTransitionTime:
      current?.status === "False" && current.lastTransitionTime ? current.lastTransitionTime : rfc3339(now),
    reason: "Unschedulable",
    message,
  };
  const others = conditions.filter((c) => c.type !== "PodScheduled");
  return {
    ...pod,
    status: {
      ...status,
      conditions: current ? conditions.map((c) => (c === current ? condition : c)) : [...others, condition],
    },
  };
}

function outcomeActions(pod: KubeObject, result: ScheduleResult, now: number): Action[] {
  const namespace = pod.metadata.namespace ?? "default";
  const name = pod.metadata.name ?? "";
  if ("nodeName" in result) {
    return [
      { type: "bind", namespace, name, uid: pod.metadata.uid ?? "", nodeName: result.nodeName },
      {
        type: "event",
        event: {
          regarding: pod,
          type: "Normal",
          reason: "Scheduled",
          message: `Successfully assigned ${namespace}/${name} to ${result.nodeName}`,
          source: SCHEDULER_NAME,
        },
      },
    ];
  }
  const { message } = result.unschedulable;
  const actions: Action[] = [];
  const updated = unschedulableStatus(pod, message, now);
  if (updated) actions.push({ type: "updateStatus", resource: PODS, object: updated });
  actions.push({
    type: "event",
    event: { regarding: pod, type: "Warning", reason: "FailedScheduling", message, source: SCHEDULER_NAME },
  });
  return actions;
}

export function planScheduling(input: SchedulingInput): Action[] {
  const snapshot = new Snapshot(input);
  // A plan has no memory of the last one: start the node search at a random place each time.
  snapshot.nextStartIndex = Math.floor(input.random() * snapshot.nodes.length);
  const options: ScheduleOptions = { random: input.random, percentageOfNodesToScore: input.percentageOfNodesToScore };
  const seen = new Set<string>();
  const queue = input.pending.filter((pod) => {
    const key = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
    if (seen.has(key) || !isSchedulable(pod)) return false;
    seen.add(key);
    return true;
  });
  queue.sort(queueOrder);
  const actions: Action[] = [];
  for (const pod of queue) {
    const info = snapshot.podInfo(pod);
    const { result, node } = scheduleCycle(info, snapshot, options);
    if (node) snapshot.assume(info, node);
    actions.push(...outcomeActions(pod, result, input.now));
  }
  return actions;
}
