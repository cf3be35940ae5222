// What create, update and delete mean for stored objects, beyond validation (which the caller has
// done): server-owned metadata, optimistic concurrency, generation, the status/spec split,
// finalizers and deletionTimestamp, graceful pod deletion. Each function returns the changes to
// append; the caller commits them in one transaction and publishes them to watchers.

import type { KubeObject, ObjectMeta } from "../../../schemas/object.ts";
import type { ResourceType } from "../../../schemas/registry.ts";
import { ApiError, alreadyExists, conflict, forbidden, invalid, notFound } from "../../api/errors.ts";
import { cloneJson, jsonEqual } from "../../api/json.ts";
import { recordUpdate } from "../../api/patch/index.ts";
import type { ResourceStrategy } from "../../api/strategy.ts";
import { rfc3339 } from "../../api/time.ts";
import { checkObjectSize, type StoredObject } from "./revision-log.ts";
import type { DeleteOptions, Preconditions, WriteOptions } from "./types.ts";

export type StoreStrategy = Pick<ResourceStrategy, "hasStatus" | "tracksGeneration" | "validateUpdate">;

export interface PlannedWrite {
  type: "ADDED" | "MODIFIED" | "DELETED";
  value: KubeObject;
  prev: KubeObject | null;
}

const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function generateSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  let out = "";
  for (const b of bytes) out += GENERATE_ALPHABET[b % GENERATE_ALPHABET.length];
  return out;
}

/**
 * A dry run's size check: a real write is checked as it is stored (RevisionLog.append), on the very
 * text written, which spares serialising every object once more just to measure it.
 */
function checkSizeOfDryRun(rt: ResourceType, obj: KubeObject, opts: WriteOptions): void {
  if (opts.dryRun) checkObjectSize(rt.plural, obj.metadata.name ?? "", JSON.stringify(obj).length);
}

function checkPreconditions(rt: ResourceType, existing: KubeObject, pre: Preconditions | undefined): void {
  if (!pre) return;
  const meta = existing.metadata;
  if (pre.uid !== undefined && pre.uid !== meta.uid) {
    throw new ApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${rt.plural} "${meta.name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
      { name: meta.name, group: rt.group, kind: rt.plural },
    );
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
    throw new ApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${rt.plural} "${meta.name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
      { name: meta.name, group: rt.group, kind: rt.plural },
    );
  }
}

/** Fills what the server owns on a new object. The name is resolved by the caller (generateName). */
export function prepareNew(
  rt: ResourceType,
  strategy: StoreStrategy,
  obj: KubeObject,
  now: number,
  opts: WriteOptions = {},
  /** The caller hands `obj` over (nothing else refers to any part of it): no copy is needed. */
  owned = false,
): KubeObject {
  const next = owned ? obj : cloneJson(obj);
  const meta: ObjectMeta = next.metadata;
  if (meta.resourceVersion)
    throw new ApiError(400, "BadRequest", "resourceVersion should not be set on objects to be created");
  meta.uid = crypto.randomUUID();
  meta.creationTimestamp = rfc3339(now);
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  if (strategy.tracksGeneration) meta.generation = 1;
  else delete meta.generation;
  if (!rt.namespaced) delete meta.namespace;
  if (opts.manager && !opts.applied) {
    meta.managedFields = recordUpdate({
      old: undefined,
      updated: next,
      manager: opts.manager,
      now: new Date(now),
      apiVersion: next.apiVersion,
    });
  }
  checkSizeOfDryRun(rt, next, opts);
  return next;
}

export function assertAbsent(rt: ResourceType, existing: StoredObject | undefined, name: string): void {
  if (existing) throw alreadyExists(rt.plural, name, rt.group);
}

/** Everything but metadata and status: what a generation counts changes of. */
function specPart(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/**
 * The object a PUT (to the object or to its status) stores, or undefined when nothing changes
 * (kube-apiserver answers a no-op update without a new revision).
 */
export function planUpdate(
  rt: ResourceType,
  strategy: StoreStrategy,
  existing: KubeObject,
  incoming: KubeObject,
  opts: WriteOptions,
  now: number,
): PlannedWrite | undefined {
  const old = existing.metadata;
  const sent = incoming.metadata;
  if (sent.resourceVersion && sent.resourceVersion !== old.resourceVersion)
    throw conflict(rt.plural, old.name ?? "", rt.group);
  if (sent.uid && sent.uid !== old.uid) checkPreconditions(rt, existing, { uid: sent.uid });

  let next: KubeObject;
  if (opts.subresource === "status") {
    // A status write changes status, and annotations (the deployment controller records the
    // revision there with its status write, as upstream's status strategies allow); nothing else.
    next = cloneJson(existing);
    if (incoming.status === undefined) delete next.status;
    else next.status = cloneJson(incoming.status);
    if (incoming.metadata.annotations !== undefined)
      next.metadata.annotations = cloneJson(incoming.metadata.annotations);
  } else {
    next = cloneJson(incoming);
    if (strategy.hasStatus) {
      if (existing.status === undefined) delete next.status;
      else next.status = cloneJson(existing.status);
    }
  }
  const meta = next.metadata;
  meta.name = old.name;
  if (rt.namespaced) meta.namespace = old.namespace;
  else delete meta.namespace;
  meta.uid = old.uid;
  meta.creationTimestamp = old.creationTimestamp;
  meta.resourceVersion = old.resourceVersion;
  if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  else delete meta.deletionGracePeriodSeconds;
  if (old.generation !== undefined) meta.generation = old.generation;
  else delete meta.generation;
  if (strategy.tracksGeneration && !jsonEqual(specPart(next), specPart(existing))) {
    meta.generation = (old.generation ?? 0) + 1;
  }

  if (opts.manager && !opts.applied) {
    meta.managedFields = recordUpdate({
      old: existing,
      updated: next,
      manager: opts.manager,
      subresource: opts.subresource,
      now: new Date(now),
      apiVersion: next.apiVersion,
    });
  }
  const causes = opts.subresource === "status" ? [] : strategy.validateUpdate(next, existing);
  if (causes.length > 0) throw invalid(rt.kind, old.name ?? "", causes, rt.group);
  if (jsonEqual(next, existing)) return undefined;
  checkSizeOfDryRun(rt, next, opts);
  // The last finalizer removed from an object being deleted: the object goes.
  if (finalizedAway(rt, next)) return { type: "DELETED", value: next, prev: existing };
  return { type: "MODIFIED", value: next, prev: existing };
}

/**
 * An object being deleted whose last finalizer is gone. Not a pod in its grace period (its node
 * deletes it) and not a namespace whose content is still being removed (spec.finalizers).
 */
function finalizedAway(rt: ResourceType, obj: KubeObject): boolean {
  const meta = obj.metadata;
  if (!meta.deletionTimestamp || (meta.finalizers ?? []).length > 0) return false;
  if (rt.plural === "pods") return !(meta.deletionGracePeriodSeconds && meta.deletionGracePeriodSeconds > 0);
  if (rt.plural === "namespaces")
    return ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length === 0;
  return true;
}

function podIsBoundAndRunning(pod: KubeObject): boolean {
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return !!nodeName && phase !== "Succeeded" && phase !== "Failed";
}

function podGracePeriod(pod: KubeObject, opts: DeleteOptions): number {
  if (opts.gracePeriodSeconds !== undefined) return Math.max(0, opts.gracePeriodSeconds);
  const spec = pod.spec as { terminationGracePeriodSeconds?: number } | undefined;
  return spec?.terminationGracePeriodSeconds ?? 30;
}

const FINALIZER_FOR: Record<string, string> = { Orphan: "orphan", Foreground: "foregroundDeletion" };

/**
 * What a DELETE does: remove the object now, or mark it (deletionTimestamp) when finalizers,
 * a propagation policy or a pod's grace period keep it for a while.
 */
export function planDelete(
  rt: ResourceType,
  existing: KubeObject,
  opts: DeleteOptions,
  now: number,
): PlannedWrite | undefined {
  checkPreconditions(rt, existing, opts.preconditions);
  const next = cloneJson(existing);
  const meta = next.metadata;
  const isPod = rt.plural === "pods";

  if (isPod && podIsBoundAndRunning(existing)) {
    const grace = podGracePeriod(existing, opts);
    if (grace > 0) {
      const current = meta.deletionGracePeriodSeconds;
      if (meta.deletionTimestamp && current !== undefined && current <= grace) return undefined;
      meta.deletionTimestamp = rfc3339(now + grace * 1000);
      meta.deletionGracePeriodSeconds = grace;
      return { type: "MODIFIED", value: next, prev: existing };
    }
  }

  const policyFinalizer = opts.propagationPolicy ? FINALIZER_FOR[opts.propagationPolicy] : undefined;
  const finalizers = [...(meta.finalizers ?? [])];
  if (policyFinalizer && !meta.deletionTimestamp && !finalizers.includes(policyFinalizer))
    finalizers.push(policyFinalizer);
  if (rt.plural === "namespaces") {
    // Namespaces are emptied before they go: Terminating until their content is deleted.
    const status = (next.status ?? {}) as Record<string, unknown>;
    next.status = { ...status, phase: "Terminating" };
  }
  const namespaceFinalizers =
    rt.plural === "namespaces" ? ((next.spec as { finalizers?: string[] })?.finalizers ?? []) : [];
  if (finalizers.length > 0 || namespaceFinalizers.length > 0) {
    meta.finalizers = finalizers;
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = rfc3339(now);
      meta.deletionGracePeriodSeconds = 0;
    } else if (isPod && opts.gracePeriodSeconds === 0) meta.deletionGracePeriodSeconds = 0;
    if (jsonEqual(next, existing)) return undefined;
    return { type: "MODIFIED", value: next, prev: existing };
  }
  return { type: "DELETED", value: next, prev: existing };
}

export function missing(rt: ResourceType, name: string): ApiError {
  return notFound(rt.plural, name, rt.group);
}

export function namespaceTerminating(rt: ResourceType, name: string, namespace: string): ApiError {
  const message = `unable to create new content in namespace ${namespace} because it is being terminated`;
  return forbidden(`${rt.plural} "${name}" is forbidden: ${message}`, {
    name,
    group: rt.group,
    kind: rt.plural,
    causes: [{ reason: "NamespaceTerminating", message, field: "metadata.namespace" }],
  });
}
