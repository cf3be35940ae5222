// The scheduler in the host: one key for every pending pod, synced as a batch whenever pods wait
// or the cluster changes in a way that may make room (nodes, runtime classes, pods going away).
// Bound pods, nodes and RuntimeClasses come from an in-memory cache kept current from the same
// changes (scheduler-cache.ts).

import type { KubeObject } from "../../../../schemas/object.ts";
import { NODES, PODS } from "../../../controllers/types.ts";
import { planScheduling } from "../../../scheduler/index.ts";
import type { StoreCore } from "../../store/store-core.ts";
import type { Controller } from "../controller.ts";
import { listObjects } from "../reads.ts";
import { SchedulerCache } from "./scheduler-cache.ts";

const KEY = "pending";
/**
 * Pods placed per sync. The store is single-threaded: one sync binding 30,000 pods would hold it
 * for tens of seconds (no API requests, no lease renewals, so every node would look lost). A
 * bounded batch, then a requeue, lets everything else interleave; the pods tried least recently
 * go first, so pods that fit nowhere cannot starve the rest (kube-scheduler's queue does the same
 * with its back-off).
 */
export const MAX_PODS_PER_SYNC = 500;
const RUNTIME_CLASSES = { group: "node.k8s.io", version: "v1", plural: "runtimeclasses" };

function unbound(pod: KubeObject | null | undefined): boolean {
  return !!pod && !(pod.spec as { nodeName?: string } | undefined)?.nodeName;
}

/** A pending pod's key in the store. */
export interface PodKey {
  namespace: string;
  name: string;
}

/**
 * The pending pods to try in this sync: at most `max`, those tried least recently first (never
 * tried ones in the order given); records the attempt and forgets pods no longer pending. Works on
 * keys, so only the pods of the batch are read and parsed.
 */
export function nextBatch(all: PodKey[], tried: Map<string, number>, max: number, now: number): PodKey[] {
  const key = (p: PodKey) => `${p.namespace}/${p.name}`;
  const present = new Set(all.map(key));
  for (const k of tried.keys()) if (!present.has(k)) tried.delete(k);
  const batch =
    all.length <= max
      ? all
      : [...all].sort((a, b) => (tried.get(key(a)) ?? 0) - (tried.get(key(b)) ?? 0)).slice(0, max);
  for (const p of batch) tried.set(key(p), now);
  return batch;
}

export function schedulerController(core: StoreCore): Controller {
  const cache = new SchedulerCache();
  /** When each pending pod was last tried (by namespace/name); forgotten once it is bound or gone. */
  const tried = new Map<string, number>();
  return {
    name: "scheduler",
    manager: "default-scheduler",
    keysFor(c) {
      cache.observe(c);
      if (c.resource === "pods") {
        if (c.type === "DELETED") return unbound(c.value) ? [] : [KEY];
        return unbound(c.value) && !c.value.metadata.deletionTimestamp ? [KEY] : [];
      }
      return c.resource === "nodes" || c.resource === "runtimeclasses.node.k8s.io" ? [KEY] : [];
    },
    allKeys: () => {
      cache.reset();
      return [KEY];
    },
    startupKeys: () => [KEY],
    sync(_key, ctx) {
      const all = core.log.unboundPodKeys();
      if (all.length === 0) {
        tried.clear();
        return [];
      }
      // History compacted past what the cache has: read everything again.
      if (cache.primed && cache.revision < core.log.compactedRevision()) cache.reset();
      if (!cache.primed) {
        cache.prime(
          core.log.currentRevision(),
          listObjects(core, PODS),
          listObjects(core, NODES),
          listObjects(core, RUNTIME_CLASSES),
        );
      }
      cache.catchUp(core.log.currentRevision(), (resource, after) => core.log.changesAfter(after, resource));
      const pending: KubeObject[] = [];
      for (const k of nextBatch(all, tried, MAX_PODS_PER_SYNC, ctx.now)) {
        const pod = core.log.get("pods", k.namespace, k.name)?.value;
        if (pod) pending.push(pod);
      }
      const actions = planScheduling({
        pending,
        nodes: [...cache.nodes.values()],
        pods: [...cache.pods.values()],
        runtimeClasses: [...cache.runtimeClasses.values()],
        now: ctx.now,
        random: ctx.random,
      });
      if (all.length > pending.length) actions.push({ type: "requeue", afterMs: 0 });
      return actions;
    },
  };
}
