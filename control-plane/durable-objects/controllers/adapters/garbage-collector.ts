// The garbage collector in the host. Keys are `<storage resource>|<namespace>|<name>`; the store's
// owner index answers "who names this uid as owner" without scanning.

import type { KubeObject } from "../../../../schemas/object.ts";
import { RESOURCES, type ResourceType, resourceForKind, storageResource } from "../../../../schemas/registry.ts";
import { gcKeysToEnqueue, planGarbageCollection } from "../../../controllers/gc/index.ts";
import type { StoreCore } from "../../store/store-core.ts";
import type { Controller } from "../controller.ts";
import { getObject, ownerByRef, refOf } from "../reads.ts";

const BY_STORAGE = new Map<string, ResourceType>();
for (const r of RESOURCES) if (!BY_STORAGE.has(storageResource(r))) BY_STORAGE.set(storageResource(r), r);

function key(resource: string, namespace: string, name: string): string {
  return `${resource}|${namespace}|${name}`;
}

function parse(k: string): { rt: ResourceType | undefined; namespace: string; name: string } {
  const [resource = "", namespace = "", name = ""] = k.split("|");
  return { rt: BY_STORAGE.get(resource), namespace, name };
}

export function garbageCollector(core: StoreCore): Controller {
  const dependentKeys = (uid: string) => core.log.dependentsOf(uid).map((d) => key(d.resource, d.namespace, d.name));
  return {
    name: "garbage-collector",
    manager: "generic-garbage-collector",
    keysFor(c) {
      const now = c.type === "DELETED" ? undefined : c.value;
      const before = c.type === "ADDED" ? undefined : (c.prev ?? undefined);
      const e = gcKeysToEnqueue(before, now);
      const out: string[] = [];
      if (e.self) out.push(key(c.resource, c.namespace, c.name));
      if (e.owners.length > 0) {
        const refs = [...(before?.metadata.ownerReferences ?? []), ...(now?.metadata.ownerReferences ?? [])];
        for (const uid of e.owners) {
          const ref = refs.find((r) => r.uid === uid);
          const owner = ref ? resourceForKind(ref.apiVersion, ref.kind) : undefined;
          if (ref && owner) out.push(key(storageResource(owner), owner.namespaced ? c.namespace : "", ref.name));
        }
      }
      if (e.dependentsOf) out.push(...dependentKeys(e.dependentsOf));
      return out;
    },
    allKeys: () => core.log.ownedKeys().map((d) => key(d.resource, d.namespace, d.name)),
    sync(k) {
      const { rt, namespace, name } = parse(k);
      if (!rt) return [];
      const object = getObject(core, refOf(rt), namespace, name);
      if (!object) return [];
      const dependents: { resource: ReturnType<typeof refOf>; object: KubeObject }[] = [];
      for (const d of core.log.dependentsOf(object.metadata.uid ?? "")) {
        const drt = BY_STORAGE.get(d.resource);
        const dep = drt ? getObject(core, refOf(drt), d.namespace, d.name) : undefined;
        if (drt && dep) dependents.push({ resource: refOf(drt), object: dep });
      }
      return planGarbageCollection({
        object,
        resource: refOf(rt),
        owners: (ref) => ownerByRef(core, namespace, ref),
        dependents,
      });
    },
  };
}
