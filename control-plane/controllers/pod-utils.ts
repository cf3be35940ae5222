// What the workload controllers share: time stamps as the API writes them, controller
// ownerReferences (adopt and release, as kube-controller-manager's ControllerRefManager does), label
// selectors, and pod readiness and availability (upstream's podutil.IsPodReady/IsPodAvailable).
// Everything here is pure: times come in as milliseconds, objects are cloned before they change.

import type { PodSpec } from "../../schemas/core/pod-spec.ts";
import type { PodStatus } from "../../schemas/core/pod-status.ts";
import type { LabelSelector } from "../../schemas/meta.ts";
import type { KubeObject, OwnerReference } from "../../schemas/object.ts";
import { fromStructured, matchesLabels, type Requirement, type StructuredSelector } from "../api/selectors/labels.ts";

export type PodObject = KubeObject & { spec?: PodSpec; status?: PodStatus };

export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Deep equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual(ra[k], rb[k]));
}

/** A metav1.Time as the API serialises it: RFC 3339 in whole seconds, UTC. */
export { rfc3339 } from "../api/time.ts";

/** Milliseconds since the epoch, or undefined for a missing or malformed time. */
export function parseTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

// --- controller references ---

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

export function isControlledBy(obj: KubeObject, ownerUid: string | undefined): boolean {
  return ownerUid !== undefined && controllerOf(obj)?.uid === ownerUid;
}

/** The ownerReference a controller puts on what it creates or adopts (metav1.NewControllerRef). */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ClaimResult<T extends KubeObject> {
  /** What the owner controls after this sync (adopted objects included, as clones). */
  owned: T[];
  /** Orphans that match the selector, with the owner's controller reference added. */
  adopted: T[];
  /** Objects the owner controlled that stopped matching, with the reference removed. */
  released: T[];
}

/**
 * Upstream's ClaimObject rules: an object controlled by someone else is never touched; ours stays
 * while it matches and is released when it no longer does (unless we are being deleted); an orphan
 * that matches is adopted unless either side is being deleted, because adopting into a dying owner
 * would only get the object garbage-collected.
 */
export function claimObjects<T extends KubeObject>(
  owner: KubeObject,
  ownerRef: OwnerReference,
  selector: Requirement[] | undefined,
  candidates: T[],
): ClaimResult<T> {
  const result: ClaimResult<T> = { owned: [], adopted: [], released: [] };
  const ownerDeleting = owner.metadata.deletionTimestamp !== undefined;
  const uid = ownerRef.uid;
  for (const obj of candidates) {
    if (obj.metadata.namespace !== owner.metadata.namespace) continue;
    const matches = selector !== undefined && selector.length > 0 && matchesLabels(selector, obj.metadata.labels);
    const ref = controllerOf(obj);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches) result.owned.push(obj);
      else if (!ownerDeleting) {
        const copy = cloneJson(obj);
        copy.metadata.ownerReferences = (copy.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        if (copy.metadata.ownerReferences.length === 0) delete copy.metadata.ownerReferences;
        result.released.push(copy);
      }
      continue;
    }
    if (ownerDeleting || !matches || obj.metadata.deletionTimestamp !== undefined) continue;
    const copy = cloneJson(obj);
    copy.metadata.ownerReferences = [...(copy.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid), ownerRef];
    result.adopted.push(copy);
    result.owned.push(copy);
  }
  return result;
}

// --- selectors ---

const OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

/**
 * A workload's structured selector as requirements; undefined when it cannot be used (an unknown
 * operator, which validation refuses anyway). An empty selector selects nothing here: upstream
 * refuses to let an empty selector claim everything in a namespace.
 */
export function selectorOf(sel: LabelSelector | undefined): Requirement[] | undefined {
  if (!sel) return [];
  const expressions: NonNullable<StructuredSelector["matchExpressions"]> = [];
  for (const e of sel.matchExpressions ?? []) {
    if (!e.key || !e.operator || !OPERATORS.has(e.operator)) return undefined;
    expressions.push({
      key: e.key,
      operator: e.operator as "In" | "NotIn" | "Exists" | "DoesNotExist",
      ...(e.values ? { values: e.values } : {}),
    });
  }
  return fromStructured({ matchLabels: sel.matchLabels ?? {}, matchExpressions: expressions });
}

// --- pods ---

export function podPhase(pod: PodObject): string {
  return pod.status?.phase ?? "";
}

/** Counted as a replica: not being deleted and not finished (upstream's IsPodActive). */
export function isPodActive(pod: PodObject): boolean {
  const phase = podPhase(pod);
  return phase !== "Succeeded" && phase !== "Failed" && pod.metadata.deletionTimestamp === undefined;
}

/** Being deleted but still running (status.terminatingReplicas counts these). */
export function isPodTerminating(pod: PodObject): boolean {
  const phase = podPhase(pod);
  return phase !== "Succeeded" && phase !== "Failed" && pod.metadata.deletionTimestamp !== undefined;
}

function readyCondition(pod: PodObject) {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

export function isPodReady(pod: PodObject): boolean {
  return readyCondition(pod)?.status === "True";
}

/** When the pod last became ready, in ms; undefined when it is not ready or the time is unknown. */
export function podReadySince(pod: PodObject): number | undefined {
  const c = readyCondition(pod);
  return c?.status === "True" ? parseTime(c.lastTransitionTime) : undefined;
}

/**
 * Ready for longer than minReadySeconds. Strictly longer, as upstream compares with Before, so a
 * pod that became ready at t with minReadySeconds m is available only after t + m.
 */
export function isPodAvailable(pod: PodObject, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 < now;
}

/** For a ready pod not yet available: ms until it becomes available (undefined otherwise). */
export function msUntilAvailable(pod: PodObject, minReadySeconds: number, now: number): number | undefined {
  if (minReadySeconds <= 0 || !isPodReady(pod) || isPodAvailable(pod, minReadySeconds, now)) return undefined;
  const since = podReadySince(pod);
  if (since === undefined) return undefined;
  // One ms past the boundary, because availability needs the time to be strictly after it.
  return Math.max(1, since + minReadySeconds * 1000 - now + 1);
}
