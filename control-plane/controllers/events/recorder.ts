// core/v1 Events as client-go's event recorder writes them (tools/record): the first occurrence is
// created under `<object>.<unix nanoseconds in hex>`, and a repeat of the same event (same object,
// reason, message, type and source) bumps `count` and `lastTimestamp` on the stored one instead of
// adding another object. The host looks the repeat up by `dedupKey`; this module only decides.
//
// Not reproduced: the recorder's aggregation of similar events with different messages ("combined
// from similar events") and its per-object spam filter (a token bucket); the host may add a rate
// limit of its own if a controller turns out to be chatty.

import type { ObjectReference } from "../../../schemas/core/common.ts";
import type { Event } from "../../../schemas/core/event.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { type Action, EVENTS, type EventSpec } from "../types.ts";
import { parseTime, rfc3339 } from "./time.ts";

/** kube-apiserver's --event-ttl default: events are kept one hour after their last write. */
export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;

export interface RecordOptions {
  /**
   * source.host and reportingInstance. kube-controller-manager's recorders leave both empty; a
   * kubelet sets its node name. Part of the dedup key, as upstream.
   */
  instance?: string;
  /**
   * How long a stored event keeps counting repeats; an older one is left to expire and a new one
   * is created. Defaults to the event TTL, after which the stored event would be gone anyway.
   */
  windowMs?: number;
}

type EventObject = KubeObject & Event;

/** The reference an event carries to its object (what upstream's reference.GetReference fills). */
export function involvedObjectOf(obj: KubeObject): ObjectReference {
  const meta = obj.metadata;
  const ref: ObjectReference = { kind: obj.kind };
  if (meta.namespace) ref.namespace = meta.namespace;
  ref.name = meta.name ?? "";
  if (meta.uid) ref.uid = meta.uid;
  if (obj.apiVersion) ref.apiVersion = obj.apiVersion;
  if (meta.resourceVersion) ref.resourceVersion = meta.resourceVersion;
  return ref;
}

function keyOf(parts: (string | undefined)[]): string {
  // JSON keeps the fields apart whatever characters a message holds.
  return JSON.stringify(parts.map((p) => p ?? ""));
}

/**
 * What makes two events "the same" for counting: source, object identity (not its
 * resourceVersion), type, reason and message, as client-go's event logger keys its cache.
 */
export function dedupKey(spec: EventSpec, options: RecordOptions = {}): string {
  const ref = involvedObjectOf(spec.regarding);
  return keyOf([
    spec.source,
    options.instance,
    ref.kind,
    ref.namespace,
    ref.name,
    ref.uid,
    ref.apiVersion,
    spec.type,
    spec.reason,
    spec.message,
  ]);
}

/** The same key computed from a stored Event, so the host can index what it has written. */
export function eventDedupKey(event: KubeObject): string {
  const e = event as EventObject;
  const ref = e.involvedObject ?? {};
  return keyOf([
    e.source?.component,
    e.source?.host,
    ref.kind,
    ref.namespace,
    ref.name,
    ref.uid,
    ref.apiVersion,
    e.type,
    e.reason,
    e.message,
  ]);
}

/**
 * Unix nanoseconds in hex, the suffix upstream names events with. `now` may carry a fraction of a
 * millisecond (a double resolves about a quarter of a microsecond today): a host that records two
 * events about one object within the same millisecond can pass distinct fractions to keep the
 * names apart.
 */
export function unixNanosHex(now: number): string {
  const whole = Math.floor(now);
  const nanos = Math.round((now - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(nanos)).toString(16);
}

function lastWriteOf(event: EventObject): number | undefined {
  return (
    parseTime(event.lastTimestamp) ?? parseTime(event.firstTimestamp) ?? parseTime(event.metadata.creationTimestamp)
  );
}

/**
 * The write that records `spec` at `now`: an update of `existing` (the stored event with the same
 * dedupKey, if the host found one) or the create of a new event.
 */
export function recordEvent(
  existing: KubeObject | undefined,
  spec: EventSpec,
  now: number,
  options: RecordOptions = {},
): Action {
  const windowMs = options.windowMs ?? DEFAULT_EVENT_TTL_MS;
  if (existing) {
    const prev = existing as EventObject;
    const last = lastWriteOf(prev);
    if (last === undefined || now - last < windowMs) {
      const next = structuredClone(prev);
      next.count = (prev.count ?? 1) + 1;
      next.lastTimestamp = rfc3339(now);
      next.message = spec.message;
      return { type: "update", resource: EVENTS, object: next };
    }
  }
  const ref = involvedObjectOf(spec.regarding);
  const stamp = rfc3339(now);
  const instance = options.instance ?? "";
  const event: EventObject = {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: `${ref.name}.${unixNanosHex(now)}`,
      // Events about cluster-scoped objects (nodes, namespaces) live in "default", as upstream.
      namespace: ref.namespace || "default",
    },
    involvedObject: ref,
    reason: spec.reason,
    message: spec.message,
    source: instance ? { component: spec.source, host: instance } : { component: spec.source },
    firstTimestamp: stamp,
    lastTimestamp: stamp,
    count: 1,
    type: spec.type,
    reportingComponent: spec.source,
    reportingInstance: instance,
  };
  return { type: "create", resource: EVENTS, object: event };
}
