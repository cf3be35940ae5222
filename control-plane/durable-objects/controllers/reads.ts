// Reads controllers make through the store core: an object or undefined, whole lists.

import type { KubeObject } from "../../../schemas/object.ts";
import { type ResourceType, resourceFor, resourceForKind } from "../../../schemas/registry.ts";
import { ApiError } from "../../api/errors.ts";
import type { ResourceRef } from "../../controllers/types.ts";
import type { StoreCore } from "../store/store-core.ts";

export function rt(ref: ResourceRef): ResourceType {
  const r = resourceFor(ref.group, ref.version, ref.plural);
  if (!r) throw new Error(`unknown resource ${ref.group}/${ref.version}/${ref.plural}`);
  return r;
}

export function refOf(r: ResourceType): ResourceRef {
  return { group: r.group, version: r.version, plural: r.plural };
}

export function getObject(core: StoreCore, ref: ResourceRef, namespace: string, name: string): KubeObject | undefined {
  try {
    return core.get(rt(ref), namespace, name);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

export function listObjects(
  core: StoreCore,
  ref: ResourceRef,
  namespace?: string,
  fieldSelector?: string,
): KubeObject[] {
  return core.list(rt(ref), { namespace, fieldSelector }).items;
}

/** The object an ownerReference names (in the dependent's namespace), by kind. */
export function ownerByRef(
  core: StoreCore,
  namespace: string,
  ref: { apiVersion: string; kind: string; name: string },
): KubeObject | undefined {
  const r = resourceForKind(ref.apiVersion, ref.kind);
  if (!r) return undefined;
  return getObject(core, refOf(r), r.namespaced ? namespace : "", ref.name);
}

/**
 * The objects of a resource in a namespace, for mapping a change to keys: read from memory until
 * that resource is next written (list-memo.ts). Never modify what this answers.
 */
export function listForKeys(core: StoreCore, ref: ResourceRef, namespace?: string): readonly KubeObject[] {
  return core.listForKeys(rt(ref), namespace);
}
