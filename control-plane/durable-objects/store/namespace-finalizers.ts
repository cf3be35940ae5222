// A Namespace's spec.finalizers change only through /finalize, as upstream's namespace strategy
// keeps them on every other update. Through the API (the store's RPC) an update keeps the stored
// ones; the namespace controller, which finalizes, writes through the store core directly.
// Without this, a PUT that leaves spec out lets a later DELETE remove the namespace at once,
// leaving its objects stored in a namespace that no longer exists.

import type { KubeObject } from "../../../schemas/object.ts";
import type { ResourceType } from "../../../schemas/registry.ts";
import type { StoreCore } from "./store-core.ts";

export function keepNamespaceFinalizers(rt: ResourceType, core: StoreCore, obj: KubeObject): KubeObject {
  if (rt.plural !== "namespaces" || rt.group !== "") return obj;
  const existing = core.get(rt, "", obj.metadata.name ?? "");
  const finalizers = (existing.spec as { finalizers?: string[] } | undefined)?.finalizers;
  const spec: Record<string, unknown> = { ...(obj.spec as Record<string, unknown> | undefined) };
  if (finalizers === undefined) delete spec.finalizers;
  else spec.finalizers = [...finalizers];
  return { ...obj, spec };
}
