// Owner references as the garbage collector reads them: which owners are still there ("solid"),
// which are gone ("dangling"), and which are being deleted in the foreground and wait for their
// dependents ("waiting"); plus the clones the collector writes back (references or finalizers
// removed). Owners are resolved by uid, as the host's owner index knows them.

import type { KubeObject, OwnerReference } from "../../../schemas/object.ts";

/** Set by DELETE with propagationPolicy Orphan: strip this owner from its dependents, then go. */
export const ORPHAN_FINALIZER = "orphan";
/** Set by DELETE with propagationPolicy Foreground: delete the dependents first, then go. */
export const FOREGROUND_FINALIZER = "foregroundDeletion";

export type OwnerLookup = (ref: OwnerReference) => KubeObject | undefined;

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

export function isBeingDeleted(obj: KubeObject): boolean {
  return !!obj.metadata.deletionTimestamp;
}

/** Being deleted in the foreground: waits until no dependent blocks it. */
export function isDeletingDependents(obj: KubeObject): boolean {
  return isBeingDeleted(obj) && hasFinalizer(obj, FOREGROUND_FINALIZER);
}

/** Being deleted with Orphan: its dependents lose their reference to it before it goes. */
export function isOrphaning(obj: KubeObject): boolean {
  return isBeingDeleted(obj) && hasFinalizer(obj, ORPHAN_FINALIZER);
}

export function ownerRefsOf(obj: KubeObject): OwnerReference[] {
  return obj.metadata.ownerReferences ?? [];
}

export function referencesOwner(obj: KubeObject, ownerUid: string): boolean {
  return ownerRefsOf(obj).some((ref) => ref.uid === ownerUid);
}

/** Whether `dependent` holds `ownerUid`'s foreground deletion (blockOwnerDeletion on that reference). */
export function blocksOwner(dependent: KubeObject, ownerUid: string): boolean {
  return ownerRefsOf(dependent).some((ref) => ref.uid === ownerUid && ref.blockOwnerDeletion === true);
}

export interface ClassifiedReferences {
  solid: OwnerReference[];
  dangling: OwnerReference[];
  waiting: OwnerReference[];
}

/**
 * Sorts `obj`'s owner references. An owner in another namespace than a namespaced dependent (or a
 * namespaced owner of a cluster-scoped object) counts as absent: upstream resolves owners in the
 * dependent's own namespace, so such a reference can never be satisfied.
 */
export function classifyReferences(obj: KubeObject, owners: OwnerLookup): ClassifiedReferences {
  const out: ClassifiedReferences = { solid: [], dangling: [], waiting: [] };
  const namespace = obj.metadata.namespace ?? "";
  for (const ref of ownerRefsOf(obj)) {
    const owner = owners(ref);
    const ownerNamespace = owner?.metadata.namespace ?? "";
    if (!owner || owner.metadata.uid !== ref.uid || (ownerNamespace !== "" && ownerNamespace !== namespace)) {
      out.dangling.push(ref);
    } else if (isDeletingDependents(owner)) {
      out.waiting.push(ref);
    } else {
      out.solid.push(ref);
    }
  }
  return out;
}

/** A clone of `obj` without the references to `uids` (the field dropped when none remain). */
export function withoutOwnerReferences(obj: KubeObject, uids: ReadonlySet<string>): KubeObject {
  const next = structuredClone(obj);
  const kept = ownerRefsOf(obj).filter((ref) => !uids.has(ref.uid));
  if (kept.length > 0) next.metadata.ownerReferences = structuredClone(kept);
  else delete next.metadata.ownerReferences;
  return next;
}

/** A clone of `obj` whose references no longer block their owners' foreground deletion. */
export function withUnblockedOwnerReferences(obj: KubeObject): KubeObject {
  const next = structuredClone(obj);
  next.metadata.ownerReferences = ownerRefsOf(next).map((ref) =>
    ref.blockOwnerDeletion === true ? { ...ref, blockOwnerDeletion: false } : ref,
  );
  return next;
}

/** A clone of `obj` without `finalizer` (the field dropped when none remain). */
export function withoutFinalizer(obj: KubeObject, finalizer: string): KubeObject {
  const next = structuredClone(obj);
  const kept = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  if (kept.length > 0) next.metadata.finalizers = kept;
  else delete next.metadata.finalizers;
  return next;
}
