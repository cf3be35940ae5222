// Pods on nodes the controller has given up on (see eviction.ts for the rules): marked not Ready
// on unreachable nodes, evicted by NoExecute taints, force-deleted when their node is gone.

import type { Taint } from "../../../schemas/core/node.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { type Action, type EventSpec, PODS } from "../types.ts";
import { NODE_CONTROLLER, TAINT_EVICTION_CONTROLLER } from "./config.ts";
import type { ClusterDisruption } from "./disruption.ts";
import {
  type EvictionClock,
  evictionTime,
  isPodReady,
  isTerminal,
  NOT_READY_CONDITION,
  ORPHANED_POD_CONDITION,
  type PodObject,
  setPodCondition,
  TAINT_EVICTION_CONDITION,
} from "./eviction.ts";
import type { NodeHealth } from "./health.ts";
import { NO_EXECUTE } from "./taints.ts";

function podEvent(pod: PodObject, type: EventSpec["type"], reason: string, message: string, source: string): Action {
  return { type: "event", event: { regarding: pod, type, reason, message, source } };
}

function deletePod(pod: PodObject, gracePeriodSeconds?: number): Action {
  const meta = pod.metadata;
  return {
    type: "delete",
    resource: PODS,
    namespace: meta.namespace ?? "",
    name: meta.name ?? "",
    ...(meta.uid ? { uid: meta.uid } : {}),
    ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
  };
}

/**
 * The NoExecute taints pods are judged by: those the node has now and keeps after this pass. A
 * taint being removed (the node came back, or full disruption) evicts nobody, and a taint being
 * added takes effect once it is written, so users see the taint before its evictions.
 */
function evictingTaints(stored: Taint[], planned: Taint[] | undefined): Taint[] {
  const kept = planned ?? stored;
  return stored.filter((t) => t.effect === NO_EXECUTE && kept.some((k) => k.key === t.key && k.effect === t.effect));
}

/** The pod writes of one pass; delays until a toleration runs out go into `waits`. */
export function planPods(
  health: NodeHealth[],
  disruption: ClusterDisruption,
  planned: ReadonlyMap<string, Taint[]>,
  clock: EvictionClock,
  pods: KubeObject[],
  waits: (number | undefined)[],
): Action[] {
  const nodes = new Map(health.map((h) => [h.name, h]));
  const now = clock.now;
  const actions: Action[] = [];
  for (const raw of pods) {
    const pod = raw as PodObject;
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) continue;
    const h = nodes.get(nodeName);
    if (!h) {
      // No node will ever finish this pod: fail it (unless it already ended) and remove it now.
      if (!isTerminal(pod)) {
        const next = structuredClone(pod);
        next.status = { ...next.status, phase: "Failed" };
        setPodCondition(next, ORPHANED_POD_CONDITION, now);
        actions.push({ type: "updateStatus", resource: PODS, object: next });
      }
      actions.push(deletePod(pod, 0));
      continue;
    }
    const next = structuredClone(pod);
    // Only for Unknown: a node that reports NotReady itself still reports its pods' readiness.
    const markNotReady = h.ready === "Unknown" && isPodReady(pod) && setPodCondition(next, NOT_READY_CONDITION, now);
    let evict = false;
    if (!disruption.allFullyDisrupted && !pod.metadata.deletionTimestamp) {
      const taints = evictingTaints(h.node.spec?.taints ?? [], planned.get(h.name));
      const at = evictionTime(pod, taints, clock);
      if (at !== undefined && at <= now) evict = true;
      else if (at !== undefined) waits.push(at - now);
    }
    const disrupted = evict && setPodCondition(next, TAINT_EVICTION_CONDITION, now);
    if (markNotReady || disrupted) actions.push({ type: "updateStatus", resource: PODS, object: next });
    if (markNotReady) actions.push(podEvent(pod, "Warning", "NodeNotReady", "Node is not ready", NODE_CONTROLLER));
    if (evict) {
      // Default grace: the node, if it comes back, stops the containers properly.
      actions.push(deletePod(pod));
      const ref = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
      actions.push(
        podEvent(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${ref}`, TAINT_EVICTION_CONTROLLER),
      );
    }
  }
  return actions;
}
