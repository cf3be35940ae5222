// core/v1 Event: the form the store keeps for both Event APIs (see events/event.ts).
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import type { z } from "zod";
import { int32, microTime, str, struct, time } from "../kit.ts";
import { kind } from "../meta.ts";
import { objectReferenceSchema } from "./common.ts";

export const eventSourceSchema = struct("EventSource", {
  component: str,
  host: str,
});
export type EventSource = z.infer<typeof eventSourceSchema>;

export const eventSeriesSchema = struct("EventSeries", {
  count: int32,
  lastObservedTime: microTime,
});
export type EventSeries = z.infer<typeof eventSeriesSchema>;

export const eventSchema = kind("Event", {
  involvedObject: objectReferenceSchema,
  reason: str,
  message: str,
  source: eventSourceSchema,
  firstTimestamp: time,
  lastTimestamp: time,
  count: int32,
  type: str,
  eventTime: microTime,
  series: eventSeriesSchema,
  action: str,
  related: objectReferenceSchema,
  reportingComponent: str,
  reportingInstance: str,
});
export type Event = z.infer<typeof eventSchema>;
