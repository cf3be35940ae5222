// Namespace deletion (kube-controller-manager's namespace controller) as a pure plan. DELETE on a
// namespace only marks it (deletionTimestamp, phase Terminating, spec.finalizers ["kubernetes"]);
// this plan then deletes everything in it, reports what is left in status.conditions, and removes
// its "kubernetes" finalizer once the namespace is empty, at which point the store deletes it.
//
// Each pass is guarded by the namespace's resourceVersion, so one pass writes the namespace at
// most once: conditions first, the finalizer in a later pass once the conditions say "empty".

import type { Namespace } from "../../../schemas/core/namespace.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { parseTime } from "../events/time.ts";
import { type Action, NAMESPACES, type ResourceRef } from "../types.ts";
import { type RemainingContent, remainingConditions, updatedConditions } from "./conditions.ts";

/** The finalizer token this controller owns in Namespace spec.finalizers. */
export const NAMESPACE_FINALIZER = "kubernetes";
/** Upstream's guess of how long objects with finalizers take to go (the GC, usually). */
export const FINALIZER_ESTIMATE_SECONDS = 15;
/** How soon to look again after deleting content that should vanish at once. */
export const NAMESPACE_RECHECK_MS = 1_000;
/** The API's default pod terminationGracePeriodSeconds. */
const DEFAULT_POD_GRACE_SECONDS = 30;

export interface NamespaceContent {
  resource: ResourceRef;
  object: KubeObject;
}

export interface NamespaceDeletionInput {
  namespace: KubeObject;
  /** Every object in the namespace, of every namespaced resource. */
  contents: NamespaceContent[];
  now: number;
}

type NamespaceObject = KubeObject & Namespace;
type PodObject = KubeObject & Pod;

function isPod(c: NamespaceContent): boolean {
  return c.resource.group === "" && c.resource.plural === "pods";
}

function isTerminalPod(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/**
 * Whether an object is still there after this pass's DELETE: it has finalizers, it was already
 * being deleted, or it is a pod on a node in its grace period (the node removes it). Anything else
 * the store removes at once. Upstream lists again after deleting; this predicts the same answer.
 */
function remainsAfterDelete(c: NamespaceContent): boolean {
  const meta = c.object.metadata;
  if ((meta.finalizers ?? []).length > 0 || meta.deletionTimestamp) return true;
  if (!isPod(c)) return false;
  const pod = c.object as PodObject;
  if (!pod.spec?.nodeName || isTerminalPod(pod)) return false;
  return (pod.spec.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS) > 0;
}

function remainingOf(contents: NamespaceContent[]): RemainingContent {
  const byResource = new Map<string, number>();
  const byFinalizer = new Map<string, number>();
  for (const c of contents) {
    // Upstream names a resource "<plural>.<group>": core pods read "pods.".
    const key = `${c.resource.plural}.${c.resource.group}`;
    byResource.set(key, (byResource.get(key) ?? 0) + 1);
    for (const f of c.object.metadata.finalizers ?? []) byFinalizer.set(f, (byFinalizer.get(f) ?? 0) + 1);
  }
  return { byResource, byFinalizer };
}

/**
 * Upstream's estimate of how long the rest takes, in seconds: the longest grace period of a live
 * pod (unless the namespace has been terminating longer than that), else 15 s when finalizers hold
 * things. The controller looks again after half of it, plus one second.
 */
function estimateSeconds(remaining: NamespaceContent[], deletedAt: number | undefined, now: number): number {
  let podEstimate = 0;
  for (const c of remaining) {
    if (!isPod(c) || isTerminalPod(c.object as PodObject)) continue;
    const grace = (c.object as PodObject).spec?.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS;
    podEstimate = Math.max(podEstimate, grace);
  }
  if (deletedAt !== undefined && now - deletedAt >= podEstimate * 1000) podEstimate = 0;
  const hasFinalizers = remaining.some((c) => (c.object.metadata.finalizers ?? []).length > 0);
  return podEstimate > 0 ? podEstimate : hasFinalizers ? FINALIZER_ESTIMATE_SECONDS : 0;
}

export function planNamespaceDeletion(input: NamespaceDeletionInput): Action[] {
  const ns = input.namespace as NamespaceObject;
  if (!ns.metadata.deletionTimestamp) return [];
  const specFinalizers = ns.spec?.finalizers ?? [];
  // Already finalized: the store deletes the namespace when its metadata finalizers are gone too.
  if (specFinalizers.length === 0) return [];

  const actions: Action[] = [];
  for (const c of input.contents) {
    const meta = c.object.metadata;
    if (meta.deletionTimestamp) continue;
    actions.push({
      type: "delete",
      resource: c.resource,
      namespace: meta.namespace ?? ns.metadata.name ?? "",
      name: meta.name ?? "",
      ...(meta.uid ? { uid: meta.uid } : {}),
      // Background, so a namespace's dependents are not orphaned by a default policy (pods keep
      // their own grace period: no gracePeriodSeconds).
      propagationPolicy: "Background",
    });
  }

  const remaining = input.contents.filter(remainsAfterDelete);
  const conditions = updatedConditions(
    ns.status?.conditions ?? [],
    remainingConditions(remainingOf(remaining)),
    input.now,
  );
  if (conditions || ns.status?.phase !== "Terminating") {
    const next = structuredClone(ns);
    next.status = { ...next.status, phase: "Terminating", conditions: conditions ?? next.status?.conditions ?? [] };
    actions.push({ type: "updateStatus", resource: NAMESPACES, object: next });
  }

  if (input.contents.length > 0 || actions.length > 0) {
    // Content left, or a status write this pass: finalizing now would race the namespace's
    // resourceVersion (or leave content behind), so look again.
    const estimate = estimateSeconds(remaining, parseTime(ns.metadata.deletionTimestamp), input.now);
    const wait = remaining.length > 0 && estimate > 0 ? (Math.floor(estimate / 2) + 1) * 1000 : NAMESPACE_RECHECK_MS;
    actions.push({ type: "requeue", afterMs: wait });
    return actions;
  }

  // Empty, conditions already say so: give up our finalizer (the host sends it as /finalize).
  if (!specFinalizers.includes(NAMESPACE_FINALIZER)) return [];
  const next = structuredClone(ns);
  const kept = [...new Set(specFinalizers.filter((f) => f !== NAMESPACE_FINALIZER))].sort();
  next.spec = { ...next.spec };
  if (kept.length > 0) next.spec.finalizers = kept;
  else delete next.spec.finalizers;
  return [{ type: "update", resource: NAMESPACES, object: next }];
}
