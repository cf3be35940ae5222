// Node lifecycle in the host: one cluster-wide key, synced when nodes change, at startup (every
// node gets a fresh grace period from then) and when the plan's timers come due.

import { planNodeLifecycle } from "../../../controllers/node-lifecycle/index.ts";
import { LEASES, NODES, PODS } from "../../../controllers/types.ts";
import type { StoreCore } from "../../store/store-core.ts";
import type { Controller } from "../controller.ts";
import { listObjects } from "../reads.ts";

const KEY = "nodes";

export function nodeLifecycleController(core: StoreCore): Controller {
  return {
    name: "node-lifecycle",
    manager: "node-controller",
    keysFor: (c) => (c.resource === "nodes" ? [KEY] : []),
    allKeys: () => [KEY],
    startupKeys: () => [KEY],
    sync(_key, ctx) {
      const nodes = listObjects(core, NODES);
      if (nodes.length === 0) return [];
      const pods = listObjects(core, PODS).filter((p) => (p.spec as { nodeName?: string } | undefined)?.nodeName);
      return planNodeLifecycle({
        nodes,
        leases: listObjects(core, LEASES, "kube-node-lease"),
        pods,
        now: ctx.now,
        startedAt: ctx.startedAt,
        config: { gracePeriodMs: ctx.config.nodeGracePeriodMs },
      });
    },
  };
}
