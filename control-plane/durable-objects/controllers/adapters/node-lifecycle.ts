// Node lifecycle in the host: one cluster-wide key, synced when nodes change, at startup (every
// node gets a fresh grace period from then) and when the plan's timers come due. A pass reads
// every node and lease, but only the pods the plan can act on: those on nodes it judges
// unreachable or that carry a NoExecute taint, and those on nodes that no longer exist (read
// through the objects table's node-name index). Parsing all 30,000 pods of a large cluster on
// every pass was most of the store's time.

import { nodesWithPodWork, planNodeLifecycle } from "../../../controllers/node-lifecycle/index.ts";
import { LEASES, NODES } from "../../../controllers/types.ts";
import type { StoreCore } from "../../store/store-core.ts";
import type { Controller } from "../controller.ts";
import { listObjects } from "../reads.ts";

const KEY = "nodes";

export function nodeLifecycleController(core: StoreCore): Controller {
  return {
    name: "node-lifecycle",
    manager: "node-controller",
    // Node status writes come in bursts (a thousand nodes registering): one pass covers them all.
    minSyncIntervalMs: 500,
    keysFor: (c) => (c.resource === "nodes" ? [KEY] : []),
    allKeys: () => [KEY],
    startupKeys: () => [KEY],
    sync(_key, ctx) {
      const nodes = listObjects(core, NODES);
      if (nodes.length === 0) return [];
      const base = {
        nodes,
        leases: listObjects(core, LEASES, "kube-node-lease"),
        now: ctx.now,
        startedAt: ctx.startedAt,
        config: { gracePeriodMs: ctx.config.nodeGracePeriodMs },
      };
      const wanted = nodesWithPodWork(base);
      const existing = new Set(nodes.map((n) => n.metadata.name ?? ""));
      for (const name of core.log.podNodeNames()) if (!existing.has(name)) wanted.add(name);
      const pods = [...wanted].flatMap((name) => core.log.podsOnNode(name).map((p) => p.value));
      return planNodeLifecycle({ ...base, pods });
    },
  };
}
