// The garbage collector's decision for one object (kube-controller-manager's attemptToDeleteItem
// and attemptToOrphan), as a pure plan. The object plays two roles:
// - as an owner being deleted with the `orphan` or `foregroundDeletion` finalizer, it releases or
//   deletes its dependents and drops the finalizer once nothing holds it (the store then deletes
//   it, since its last finalizer is gone);
// - as a dependent, it is deleted when none of its owners is left, and loses its references to
//   absent owners when at least one owner is still there.
// Every write is idempotent and guarded (resourceVersion on updates, uid on deletes), so a host
// that runs a stale plan gets a conflict and syncs again. The host enqueues keys with
// gcKeysToEnqueue (enqueue.ts); this plan never requeues itself, because every state it waits on
// (a dependent gone, a reference removed) is a change that enqueues it again.

import type { KubeObject } from "../../../schemas/object.ts";
import type { Action, ResourceRef } from "../types.ts";
import {
  blocksOwner,
  classifyReferences,
  FOREGROUND_FINALIZER,
  hasFinalizer,
  isBeingDeleted,
  isDeletingDependents,
  ORPHAN_FINALIZER,
  type OwnerLookup,
  ownerRefsOf,
  referencesOwner,
  withoutFinalizer,
  withoutOwnerReferences,
  withUnblockedOwnerReferences,
} from "./references.ts";

export interface GarbageCollectionInput {
  /** The object whose key is synced (an owner being deleted, or a possible orphan). */
  object: KubeObject;
  resource: ResourceRef;
  /** Its owners by uid (undefined: absent). */
  owners: OwnerLookup;
  /** Objects whose ownerReferences name this object's uid. */
  dependents: { resource: ResourceRef; object: KubeObject }[];
}

type Propagation = "Orphan" | "Background" | "Foreground";

function deleteOf(resource: ResourceRef, obj: KubeObject, propagationPolicy: Propagation): Action {
  const meta = obj.metadata;
  return {
    type: "delete",
    resource,
    namespace: meta.namespace ?? "",
    name: meta.name ?? "",
    // A dependent recreated under the same name is a different object: never delete it by mistake.
    ...(meta.uid ? { uid: meta.uid } : {}),
    propagationPolicy,
  };
}

export function planGarbageCollection(input: GarbageCollectionInput): Action[] {
  const { object } = input;
  if (isBeingDeleted(object)) {
    // Orphan wins if someone set both finalizers by hand: keeping dependents is the safe reading.
    if (hasFinalizer(object, ORPHAN_FINALIZER)) return planOrphaning(input);
    if (hasFinalizer(object, FOREGROUND_FINALIZER)) return planForeground(input);
    // Deletion is a one-way trip: its dependents are looked at once it is gone.
    return [];
  }
  return planAsDependent(input);
}

function dependentsOf(input: GarbageCollectionInput): { resource: ResourceRef; object: KubeObject }[] {
  const uid = input.object.metadata.uid ?? "";
  return input.dependents.filter((d) => referencesOwner(d.object, uid));
}

/**
 * Orphan: remove the owner's reference from every dependent first, and drop the finalizer only in
 * a later sync that sees no dependent left. Doing both in one pass would let the owner go while a
 * failed dependent update still names it, and the dependent would then be collected as dangling:
 * exactly what Orphan promises not to do.
 */
function planOrphaning(input: GarbageCollectionInput): Action[] {
  const uid = input.object.metadata.uid ?? "";
  const dependents = dependentsOf(input);
  if (dependents.length > 0) {
    const owner = new Set([uid]);
    return dependents.map((d) => ({
      type: "update",
      resource: d.resource,
      object: withoutOwnerReferences(d.object, owner),
    }));
  }
  return [{ type: "update", resource: input.resource, object: withoutFinalizer(input.object, ORPHAN_FINALIZER) }];
}

/**
 * Foreground: every dependent without another live owner is deleted (Foreground again, so a
 * dependent with dependents of its own empties itself first); one that still has a live owner
 * only drops its references to this owner and to absent ones. The finalizer goes once no
 * dependent holds a reference with blockOwnerDeletion; non-blocking dependents may outlive the
 * owner briefly and are then collected as dangling.
 */
function planForeground(input: GarbageCollectionInput): Action[] {
  const uid = input.object.metadata.uid ?? "";
  const actions: Action[] = [];
  let blocked = false;
  // The owner as synced here is the freshest view of it: it waits, whatever the lookup says.
  const owners: OwnerLookup = (ref) => (ref.uid === uid ? input.object : input.owners(ref));
  for (const dep of dependentsOf(input)) {
    if (blocksOwner(dep.object, uid)) blocked = true;
    const refs = classifyReferences(dep.object, owners);
    if (refs.solid.length > 0) {
      const drop = new Set([...refs.dangling, ...refs.waiting].map((r) => r.uid));
      actions.push({ type: "update", resource: dep.resource, object: withoutOwnerReferences(dep.object, drop) });
    } else if (!isBeingDeleted(dep.object)) {
      actions.push(deleteOf(dep.resource, dep.object, "Foreground"));
    }
  }
  if (!blocked) {
    actions.push({
      type: "update",
      resource: input.resource,
      object: withoutFinalizer(input.object, FOREGROUND_FINALIZER),
    });
  }
  return actions;
}

function planAsDependent(input: GarbageCollectionInput): Action[] {
  const { object, resource } = input;
  if (ownerRefsOf(object).length === 0) return [];
  const refs = classifyReferences(object, input.owners);
  if (refs.solid.length > 0) {
    // A live owner keeps the object; references to absent or foreground-deleting owners go, or
    // those owners would wait forever on an object that will never be deleted for them.
    if (refs.dangling.length === 0 && refs.waiting.length === 0) return [];
    const drop = new Set([...refs.dangling, ...refs.waiting].map((r) => r.uid));
    return [{ type: "update", resource, object: withoutOwnerReferences(object, drop) }];
  }
  if (refs.waiting.length > 0 && input.dependents.length > 0) {
    // An owner waits for us and we have dependents: empty ourselves first (Foreground). If one of
    // our dependents is itself deleting its dependents, a reference cycle could deadlock, so our
    // own references stop blocking first (upstream's cycle guard, with its false positives).
    const actions: Action[] = [];
    if (input.dependents.some((d) => isDeletingDependents(d.object))) {
      actions.push({ type: "update", resource, object: withUnblockedOwnerReferences(object) });
    }
    actions.push(deleteOf(resource, object, "Foreground"));
    return actions;
  }
  // No owner left: collect it, honouring a propagation finalizer it already carries.
  const policy: Propagation = hasFinalizer(object, ORPHAN_FINALIZER)
    ? "Orphan"
    : hasFinalizer(object, FOREGROUND_FINALIZER)
      ? "Foreground"
      : "Background";
  return [deleteOf(resource, object, policy)];
}
