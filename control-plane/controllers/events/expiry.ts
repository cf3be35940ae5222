// Event expiry: kube-apiserver stores events with an etcd lease of --event-ttl (one hour) renewed on
// every write, so an event disappears an hour after it last changed. The store here has no leases;
// the host runs this plan on a timer instead and deletes what has outlived the TTL.

import type { Event } from "../../../schemas/core/event.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { type Action, EVENTS } from "../types.ts";
import { DEFAULT_EVENT_TTL_MS } from "./recorder.ts";
import { earliest, parseTime } from "./time.ts";

type EventObject = KubeObject & Event;

/** The last time an event was written, from every time field either Event API sets. */
export function lastWriteTime(event: KubeObject): number | undefined {
  const e = event as EventObject;
  const times = [
    parseTime(e.lastTimestamp),
    parseTime(e.eventTime),
    parseTime(e.series?.lastObservedTime),
    parseTime(e.firstTimestamp),
    parseTime(e.metadata.creationTimestamp),
  ].filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.max(...times) : undefined;
}

/**
 * Deletes (with the uid as precondition, so a recreated event of the same name survives) every
 * event whose last write is at least `ttlMs` old, and requeues for the next one to expire.
 */
export function planEventExpiry(events: KubeObject[], now: number, ttlMs: number = DEFAULT_EVENT_TTL_MS): Action[] {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }
  const actions: Action[] = [];
  const waits: number[] = [];
  for (const event of events) {
    const last = lastWriteTime(event);
    // Without any time the event's age is unknown; the store always sets creationTimestamp, so
    // this only skips hand-made objects in tests.
    if (last === undefined) continue;
    const expiresAt = last + ttlMs;
    if (now >= expiresAt) {
      const meta = event.metadata;
      actions.push({
        type: "delete",
        resource: EVENTS,
        namespace: meta.namespace ?? "",
        name: meta.name ?? "",
        ...(meta.uid ? { uid: meta.uid } : {}),
      });
    } else {
      waits.push(expiresAt - now);
    }
  }
  const next = earliest(waits);
  if (next !== undefined) actions.push({ type: "requeue", afterMs: next });
  return actions;
}
