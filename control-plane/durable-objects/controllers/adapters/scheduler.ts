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
const RUNTIME_CLASSES = { group: "node.k8s.io", version: "v1", plural: "runtimeclasses" };

function unbound(pod: KubeObject | null | undefined): boolean {
  return !!pod && !(pod.spec as { nodeName?: string } | undefined)?.nodeName;
}

export function schedulerController(core: StoreCore): Controller {
  const cache = new SchedulerCache();
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
      const pending = core.log.unboundPods().map((p) => p.value);
      if (pending.length === 0) return [];
      if (!cache.primed) {
        cache.prime(
          core.log.currentRevision(),
          listObjects(core, PODS),
          listObjects(core, NODES),
          listObjects(core, RUNTIME_CLASSES),
        );
      }
      return planScheduling({
        pending,
        nodes: [...cache.nodes.values()],
        pods: [...cache.pods.values()],
        runtimeClasses: [...cache.runtimeClasses.values()],
        now: ctx.now,
        random: ctx.random,
      });
    },
  };
}
