// The namespace controller in the host: a namespace being deleted is emptied, then finalized.

import { RESOURCES, type ResourceType, storageResource } from "../../../../schemas/registry.ts";
import { planNamespaceDeletion } from "../../../controllers/namespace/index.ts";
import { NAMESPACES } from "../../../controllers/types.ts";
import type { StoreCore } from "../../store/store-core.ts";
import type { Controller } from "../controller.ts";
import { getObject, listObjects, refOf } from "../reads.ts";

/** One resource type per stored table (events are served by two groups but stored once). */
function namespacedResources(): ResourceType[] {
  const seen = new Set<string>();
  return RESOURCES.filter((r) => {
    const s = storageResource(r);
    if (!r.namespaced || seen.has(s)) return false;
    seen.add(s);
    return true;
  });
}

export function namespaceController(core: StoreCore): Controller {
  const resources = namespacedResources();
  /** Namespaces being deleted, so a change inside one brings it back without a read. */
  const terminating = new Set<string>();
  const terminatingNow = () =>
    listObjects(core, NAMESPACES)
      .filter((n) => n.metadata.deletionTimestamp)
      .map((n) => n.metadata.name ?? "");
  return {
    name: "namespace",
    manager: "namespace-controller",
    keysFor(c) {
      if (c.resource === "namespaces") {
        if (c.type === "DELETED" || !c.value.metadata.deletionTimestamp) {
          terminating.delete(c.name);
          return [];
        }
        terminating.add(c.name);
        return [c.name];
      }
      return c.namespace && terminating.has(c.namespace) ? [c.namespace] : [];
    },
    allKeys: terminatingNow,
    startupKeys() {
      const names = terminatingNow();
      for (const n of names) terminating.add(n);
      return names;
    },
    sync(name, ctx) {
      const namespace = getObject(core, NAMESPACES, "", name);
      if (!namespace) return [];
      const contents = resources.flatMap((r) =>
        listObjects(core, refOf(r), name).map((object) => ({ resource: refOf(r), object })),
      );
      return planNamespaceDeletion({ namespace, contents, now: ctx.now });
    },
  };
}
