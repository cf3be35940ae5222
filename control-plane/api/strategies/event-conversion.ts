// Conversion between the two Event APIs. The store keeps the core/v1 form; events.k8s.io/v1 is a
// view with renamed fields: regarding = involvedObject, note = message, reportingController =
// reportingComponent, deprecatedSource/FirstTimestamp/LastTimestamp/Count = source/firstTimestamp/
// lastTimestamp/count. Everything else (eventTime, series, action, reason, related, type,
// reportingInstance) carries the same name.

import type { Event } from "../../../schemas/core/event.ts";
import type { EventsV1Event } from "../../../schemas/events/event.ts";

/** Copies the defined values of `pairs` ([to, from]) so absent fields stay absent. */
function copy<F extends object, T extends object>(from: F, to: T, pairs: [keyof T, keyof F][]): T {
  for (const [t, f] of pairs) {
    const value = from[f];
    if (value !== undefined) (to as Record<keyof T, unknown>)[t] = value;
  }
  return to;
}

const SHARED = ["eventTime", "series", "action", "reason", "related", "type", "reportingInstance"] as const;

/** events.k8s.io/v1 -> core/v1 (the stored form). */
export function eventToV1(e: EventsV1Event): Event {
  const out: Event = { apiVersion: "v1", kind: "Event", metadata: e.metadata };
  copy(e, out, [
    ["involvedObject", "regarding"],
    ["message", "note"],
    ["reportingComponent", "reportingController"],
    ["source", "deprecatedSource"],
    ["firstTimestamp", "deprecatedFirstTimestamp"],
    ["lastTimestamp", "deprecatedLastTimestamp"],
    ["count", "deprecatedCount"],
    ...SHARED.map((k): [keyof Event, keyof EventsV1Event] => [k, k]),
  ]);
  return out;
}

/** core/v1 -> events.k8s.io/v1 (what the events.k8s.io API serves). */
export function eventToEventsV1(e: Event): EventsV1Event {
  const out: EventsV1Event = { apiVersion: "events.k8s.io/v1", kind: "Event", metadata: e.metadata };
  copy(e, out, [
    ["regarding", "involvedObject"],
    ["note", "message"],
    ["reportingController", "reportingComponent"],
    ["deprecatedSource", "source"],
    ["deprecatedFirstTimestamp", "firstTimestamp"],
    ["deprecatedLastTimestamp", "lastTimestamp"],
    ["deprecatedCount", "count"],
    ...SHARED.map((k): [keyof EventsV1Event, keyof Event] => [k, k]),
  ]);
  return out;
}
