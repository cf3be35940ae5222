// The Deployment controller in the host: keys from Deployment, ReplicaSet and pod changes.

import {
  deploymentsToSyncForPod,
  deploymentsToSyncForReplicaSet,
  planDeployment,
} from "../../../controllers/deployment/index.ts";
import { controllerOf } from "../../../controllers/pod-utils.ts";
import { DEPLOYMENTS, REPLICASETS } from "../../../controllers/types.ts";
import type { StoreCore } from "../../store/store-core.ts";
import { type Controller, objectKey, splitKey } from "../controller.ts";
import { getObject, listForKeys, listObjects } from "../reads.ts";

export function deploymentController(core: StoreCore): Controller {
  return {
    name: "deployment",
    minSyncIntervalMs: 250,
    manager: "deployment-controller",
    keysFor(c) {
      const now = c.type === "DELETED" ? undefined : c.value;
      const before = c.type === "ADDED" ? undefined : (c.prev ?? undefined);
      if (c.resource === "deployments.apps") return now ? [objectKey(c.namespace, c.name)] : [];
      if (c.resource === "replicasets.apps") {
        const ref = controllerOf(now ?? before!);
        const refBefore = before ? controllerOf(before) : undefined;
        if (ref?.kind === "Deployment" && (!refBefore || refBefore.uid === ref.uid))
          return [objectKey(c.namespace, ref.name)];
        const names = deploymentsToSyncForReplicaSet(
          { old: before, new: now },
          listForKeys(core, DEPLOYMENTS, c.namespace),
        );
        return names.map((n) => objectKey(c.namespace, n));
      }
      // A Recreate rollout waits for old pods to be gone: only deletions of controlled pods matter.
      if (c.resource === "pods" && c.type === "DELETED" && controllerOf(c.value)?.kind === "ReplicaSet") {
        const rsRef = controllerOf(c.value)!;
        const rs = getObject(core, REPLICASETS, c.namespace, rsRef.name);
        const dRef = rs ? controllerOf(rs) : undefined;
        if (!rs || dRef?.kind !== "Deployment") return [];
        const d = getObject(core, DEPLOYMENTS, c.namespace, dRef.name);
        if (!d) return [];
        return deploymentsToSyncForPod({ old: c.value }, [rs], [d]).map((n) => objectKey(c.namespace, n));
      }
      return [];
    },
    allKeys: () =>
      listObjects(core, DEPLOYMENTS).map((d) => objectKey(d.metadata.namespace ?? "", d.metadata.name ?? "")),
    sync(key, ctx) {
      const { namespace, name } = splitKey(key);
      const deployment = getObject(core, DEPLOYMENTS, namespace, name);
      if (!deployment) return [];
      const replicaSets = listObjects(core, REPLICASETS, namespace);
      // Only a Recreate rollout looks at pods (it waits for the old ones to be gone): those of its ReplicaSets.
      const recreate = (deployment.spec as { strategy?: { type?: string } } | undefined)?.strategy?.type === "Recreate";
      const pods = recreate ? replicaSets.flatMap((rs) => core.log.ownedBy(rs.metadata.uid ?? "", "pods")) : [];
      return planDeployment({ deployment, replicaSets, pods, now: ctx.now });
    },
  };
}
