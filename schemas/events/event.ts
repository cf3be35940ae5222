// events.k8s.io/v1 Event: the newer Event API; stored in its core/v1 form.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import type { z } from "zod";
import { objectReferenceSchema } from "../core/common.ts";
import { eventSourceSchema } from "../core/event.ts";
import { int32, microTime, str, struct, time } from "../kit.ts";
import { kind } from "../meta.ts";

export const eventsV1EventSeriesSchema = struct("EventSeries", {
  count: int32,
  lastObservedTime: microTime,
});
export type EventsV1EventSeries = z.infer<typeof eventsV1EventSeriesSchema>;

export const eventsV1EventSchema = kind("Event", {
  eventTime: microTime,
  series: eventsV1EventSeriesSchema,
  reportingController: str,
  reportingInstance: str,
  action: str,
  reason: str,
  regarding: objectReferenceSchema,
  related: objectReferenceSchema,
  note: str,
  type: str,
  deprecatedSource: eventSourceSchema,
  deprecatedFirstTimestamp: time,
  deprecatedLastTimestamp: time,
  deprecatedCount: int32,
});
export type EventsV1Event = z.infer<typeof eventsV1EventSchema>;
