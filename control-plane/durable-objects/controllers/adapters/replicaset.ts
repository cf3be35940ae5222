// The ReplicaSet controller in the host: keys from ReplicaSet and pod changes, a sync per key.

import { controllerOf } from "../../../controllers/pod-utils.ts";
import { planReplicaSet, replicaSetsToSync } from "../../../controllers/replicaset/index.ts";
import { REPLICASETS } from "../../../controllers/types.ts";
import type { StoreCore } from "../../store/store-core.ts";
import { type Controller, objectKey, splitKey } from "../controller.ts";
import { getObject, listForKeys, listObjects } from "../reads.ts";

export function replicaSetController(core: StoreCore): Controller {
  return {
    name: "replicaset",
    minSyncIntervalMs: 250,
    manager: "replicaset-controller",
    keysFor(c) {
      if (c.resource === "replicasets.apps") return c.type === "DELETED" ? [] : [objectKey(c.namespace, c.name)];
      if (c.resource !== "pods") return [];
      const now = c.type === "DELETED" ? undefined : c.value;
      const before = c.type === "ADDED" ? undefined : (c.prev ?? undefined);
      // The common case needs no read: the pod names its ReplicaSet.
      const ref = controllerOf(now ?? before!);
      const refBefore = before ? controllerOf(before) : undefined;
      if (ref?.kind === "ReplicaSet" && (!refBefore || refBefore.uid === ref.uid))
        return [objectKey(c.namespace, ref.name)];
      return replicaSetsToSync({ old: before, new: now }, listForKeys(core, REPLICASETS, c.namespace)).map((n) =>
        objectKey(c.namespace, n),
      );
    },
    allKeys: () =>
      listObjects(core, REPLICASETS).map((r) => objectKey(r.metadata.namespace ?? "", r.metadata.name ?? "")),
    sync(key, ctx) {
      const { namespace, name } = splitKey(key);
      const rs = getObject(core, REPLICASETS, namespace, name);
      if (!rs) return [];
      // Its own pods and the ownerless ones it may adopt; pods owned by others are not its business.
      const pods = [...core.log.ownedBy(rs.metadata.uid ?? "", "pods"), ...core.log.ownerless("pods", namespace)];
      return planReplicaSet({ rs, pods, now: ctx.now });
    },
  };
}
