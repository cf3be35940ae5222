// Event strategies for both APIs. Validation runs on the core/v1 form, as upstream validates its
// internal form, so field paths read "involvedObject.namespace" or "reportingController" whichever
// API was used. core/v1 writes get the legacy checks only (kubelets and old clients rely on that);
// events.k8s.io/v1 writes get the strict ones and may not change an event's identity afterwards.

import { type Event, eventSchema } from "../../../schemas/core/event.ts";
import { type EventsV1Event, eventsV1EventSchema } from "../../../schemas/events/event.ts";
import { isDNS1123Subdomain, isQualifiedName } from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { eventToV1 } from "./event-conversion.ts";
import { immutable, invalid, invalidEach, required } from "./field.ts";

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

function tooLongFor(field: string, limit: number): StatusCause {
  return invalid(field, "", `can have at most ${limit} characters`);
}

/** legacyValidateEvent: namespaces agree; "new" events (with eventTime) name their reporter. */
export function validateLegacyEvent(e: Event): StatusCause[] {
  const causes: StatusCause[] = [];
  const ns = e.metadata.namespace ?? "";
  const involvedNs = e.involvedObject?.namespace ?? "";
  const mismatch = () => invalid("involvedObject.namespace", involvedNs, "does not match event.namespace");
  if (!e.eventTime) {
    if (!involvedNs) {
      if (ns !== "" && ns !== "default") causes.push(mismatch());
    } else if (ns !== involvedNs) {
      causes.push(mismatch());
    }
  } else {
    if (!involvedNs && ns !== "default" && ns !== "kube-system") causes.push(mismatch());
    const controller = e.reportingComponent ?? "";
    if (!controller) causes.push(required("reportingController"));
    causes.push(...invalidEach("reportingController", controller, isQualifiedName(controller)));
    if (!e.reportingInstance) causes.push(required("reportingInstance"));
    if ((e.reportingInstance ?? "").length > REPORTING_INSTANCE_LIMIT) {
      causes.push(tooLongFor("reportingInstance", REPORTING_INSTANCE_LIMIT));
    }
    if (!e.action) causes.push(required("action"));
    if ((e.action ?? "").length > ACTION_LIMIT) causes.push(tooLongFor("action", ACTION_LIMIT));
    if (!e.reason) causes.push(required("reason"));
    if ((e.reason ?? "").length > REASON_LIMIT) causes.push(tooLongFor("reason", REASON_LIMIT));
    if ((e.message ?? "").length > NOTE_LIMIT) causes.push(tooLongFor("message", NOTE_LIMIT));
  }
  causes.push(...invalidEach("namespace", ns, isDNS1123Subdomain(ns)));
  return causes;
}

function validateSeries(e: Event): StatusCause[] {
  if (!e.series) return [];
  const causes: StatusCause[] = [];
  if ((e.series.count ?? 0) < 2) causes.push(invalid("series.count", "", "should be at least 2"));
  if (!e.series.lastObservedTime) causes.push(required("series.lastObservedTime"));
  return causes;
}

/** The events.k8s.io/v1 checks on top of the legacy ones. */
export function validateStrictEvent(e: Event): StatusCause[] {
  const causes = validateLegacyEvent(e);
  causes.push(...validateSeries(e));
  if (!e.eventTime) causes.push(required("eventTime"));
  if (e.type !== "Normal" && e.type !== "Warning")
    causes.push(invalid("type", "", `has invalid value: ${e.type ?? ""}`));
  if (e.firstTimestamp) causes.push(invalid("firstTimestamp", "", "needs to be unset"));
  if (e.lastTimestamp) causes.push(invalid("lastTimestamp", "", "needs to be unset"));
  if (e.count) causes.push(invalid("count", "", "needs to be unset"));
  if (e.source?.component || e.source?.host) causes.push(invalid("source", "", "needs to be unset"));
  return causes;
}

/** What an events.k8s.io/v1 update may not change (validate() covers the rest on every write). */
export function validateStrictEventUpdate(e: Event, old: Event): StatusCause[] {
  const causes: StatusCause[] = [];
  const fields = [
    "involvedObject",
    "reason",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "count",
    "type",
    "eventTime",
    "action",
    "related",
  ] as const;
  for (const f of fields) causes.push(...immutable(f, e[f], old[f]));
  causes.push(...immutable("reportingController", e.reportingComponent, old.reportingComponent));
  causes.push(...immutable("reportingInstance", e.reportingInstance, old.reportingInstance));
  return causes;
}

export const eventStrategy = defineStrategy<Event>({
  resource: resourceOf("v1", "Event"),
  schema: eventSchema,
  skipMetaValidation: true,
  hasStatus: false,
  tracksGeneration: false,
  validate: validateLegacyEvent,
});

export const eventsV1EventStrategy = defineStrategy<EventsV1Event>({
  resource: resourceOf("events.k8s.io/v1", "Event"),
  schema: eventsV1EventSchema,
  hasStatus: false,
  tracksGeneration: false,
  validate: (e) => validateStrictEvent(eventToV1(e)),
  validateUpdate: (e, old) => validateStrictEventUpdate(eventToV1(e), eventToV1(old)),
});
