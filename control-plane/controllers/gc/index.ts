// Garbage collector plans (kube-controller-manager's garbagecollector): ownerReferences, the three
// propagation policies, and which keys a change enqueues.
export { type GcEnqueue, gcKeysToEnqueue } from "./enqueue.ts";
export { type GarbageCollectionInput, planGarbageCollection } from "./plan.ts";
export {
  type ClassifiedReferences,
  classifyReferences,
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
  type OwnerLookup,
} from "./references.ts";
