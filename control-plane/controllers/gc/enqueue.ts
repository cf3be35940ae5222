// Which garbage-collector keys a change should enqueue: the part of upstream's graph builder that
// reacts to object events, without the in-memory graph (the host keeps an index from owner uid to
// dependents in SQLite, and one from uid to object). Given the object before and after a change
// (undefined for "did not exist" / "was deleted"), it names what to sync again.

import type { KubeObject, OwnerReference } from "../../../schemas/object.ts";
import { isDeletingDependents, isOrphaning, ownerRefsOf } from "./references.ts";

export interface GcEnqueue {
  /** Sync the changed object itself: it may be an orphan now, or has dependents to handle first. */
  self: boolean;
  /** Sync the objects with these uids: owners that a removed or unblocked reference, or a deleted dependent, may release. */
  owners: string[];
  /** Sync every object whose ownerReferences name this uid: the object is gone or deletes its dependents. */
  dependentsOf?: string;
}

function sameReferences(a: OwnerReference[], b: OwnerReference[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The uids of references in `before` that are gone, or no longer block, in `after`. */
function releasedOwners(before: OwnerReference[], after: OwnerReference[]): string[] {
  const now = new Map(after.map((ref) => [ref.uid, ref]));
  const out: string[] = [];
  for (const ref of before) {
    const kept = now.get(ref.uid);
    if (!kept || (ref.blockOwnerDeletion === true && kept.blockOwnerDeletion !== true)) out.push(ref.uid);
  }
  return out;
}

export function gcKeysToEnqueue(old: KubeObject | undefined, current: KubeObject | undefined): GcEnqueue {
  if (!current) {
    if (!old) return { self: false, owners: [] };
    // Gone: its dependents may be dangling now, and a foreground-deleting owner may be unblocked.
    const owners = [...new Set(ownerRefsOf(old).map((ref) => ref.uid))];
    return old.metadata.uid ? { self: false, owners, dependentsOf: old.metadata.uid } : { self: false, owners };
  }
  const before = old ? ownerRefsOf(old) : [];
  const after = ownerRefsOf(current);
  const refsChanged = !old || !sameReferences(before, after);
  // Deleting objects are re-synced on every change: cheap, and the plan is a no-op when nothing is due.
  const self = (after.length > 0 && refsChanged) || isOrphaning(current) || isDeletingDependents(current);
  const owners = old ? [...new Set(releasedOwners(before, after))] : [];
  const startsForeground = isDeletingDependents(current) && !(old && isDeletingDependents(old));
  if (startsForeground && current.metadata.uid) return { self, owners, dependentsOf: current.metadata.uid };
  return { self, owners };
}
