import { describe, expect, it } from "vitest";
import type { Event } from "../../../schemas/core/event.ts";
import type { EventsV1Event } from "../../../schemas/events/event.ts";
import { eventStrategy, eventsV1EventStrategy } from "./event.ts";
import { eventToEventsV1, eventToV1 } from "./event-conversion.ts";

const CORE: Event = {
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: "web.17f0", namespace: "default" },
  involvedObject: {
    kind: "Pod",
    namespace: "default",
    name: "web",
    uid: "u1",
    apiVersion: "v1",
    fieldPath: "spec.containers{web}",
  },
  reason: "Pulled",
  message: "Successfully pulled image",
  source: { component: "kubelet", host: "pi-1" },
  firstTimestamp: "2024-05-01T10:00:00Z",
  lastTimestamp: "2024-05-01T10:00:05Z",
  count: 2,
  type: "Normal",
  reportingComponent: "kubelet",
  reportingInstance: "pi-1",
};

const EVENTS_V1: EventsV1Event = {
  apiVersion: "events.k8s.io/v1",
  kind: "Event",
  metadata: { name: "web.17f1", namespace: "default" },
  eventTime: "2024-05-01T10:00:00.123456Z",
  series: { count: 3, lastObservedTime: "2024-05-01T10:01:00.000000Z" },
  reportingController: "kflare.dev/scheduler",
  reportingInstance: "scheduler-0",
  action: "Binding",
  reason: "Scheduled",
  regarding: { kind: "Pod", namespace: "default", name: "web" },
  note: "Successfully assigned default/web to pi-1",
  type: "Normal",
};

describe("conversion", () => {
  it("maps core/v1 to events.k8s.io/v1", () => {
    expect(eventToEventsV1(CORE)).toEqual({
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: CORE.metadata,
      regarding: CORE.involvedObject,
      note: CORE.message,
      reportingController: "kubelet",
      reportingInstance: "pi-1",
      deprecatedSource: CORE.source,
      deprecatedFirstTimestamp: CORE.firstTimestamp,
      deprecatedLastTimestamp: CORE.lastTimestamp,
      deprecatedCount: 2,
      reason: "Pulled",
      type: "Normal",
    });
  });

  it.each([
    ["core/v1", CORE],
    ["events.k8s.io/v1 (via core/v1)", eventToV1(EVENTS_V1)],
  ])("round-trips %s", (_name, event) => {
    expect(eventToV1(eventToEventsV1(event))).toEqual(event);
  });

  it("round-trips events.k8s.io/v1", () => {
    expect(eventToEventsV1(eventToV1(EVENTS_V1))).toEqual(EVENTS_V1);
  });
});

describe("validation", () => {
  it("accepts a legacy kubelet event and checks its namespace", () => {
    expect(eventStrategy.validate(CORE)).toEqual([]);
    const elsewhere = { ...CORE, metadata: { ...CORE.metadata, namespace: "kube-system" } };
    expect(eventStrategy.validate(elsewhere)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "involvedObject.namespace",
        message: 'Invalid value: "default": does not match event.namespace',
      },
    ]);
  });

  it("decodes both forms in Strict mode", () => {
    expect(eventStrategy.decode(CORE, "Strict").object).toEqual(CORE);
    expect(eventsV1EventStrategy.decode(EVENTS_V1, "Strict").object).toEqual(EVENTS_V1);
  });

  it("applies the strict rules to events.k8s.io/v1 writes", () => {
    expect(eventsV1EventStrategy.validate(EVENTS_V1)).toEqual([]);
    const legacyFields: EventsV1Event = { ...EVENTS_V1, deprecatedCount: 4, type: "Info" };
    expect(eventsV1EventStrategy.validate(legacyFields)).toEqual([
      { reason: "FieldValueInvalid", field: "type", message: 'Invalid value: "": has invalid value: Info' },
      { reason: "FieldValueInvalid", field: "count", message: 'Invalid value: "": needs to be unset' },
    ]);
    const anonymous: EventsV1Event = { ...EVENTS_V1, reportingController: "", action: "" };
    expect(eventsV1EventStrategy.validate(anonymous)).toEqual([
      { reason: "FieldValueRequired", field: "reportingController", message: "Required value" },
      // An empty qualified name fails both the non-empty and the format check, as upstream's does.
      expect.objectContaining({
        field: "reportingController",
        message: 'Invalid value: "": name part must be non-empty',
      }),
      expect.objectContaining({ field: "reportingController", reason: "FieldValueInvalid" }),
      { reason: "FieldValueRequired", field: "action", message: "Required value" },
    ]);
  });

  it("keeps an events.k8s.io/v1 event's identity on update", () => {
    const changed: EventsV1Event = { ...EVENTS_V1, note: "other" };
    expect(eventsV1EventStrategy.validateUpdate(changed, EVENTS_V1)).toEqual([
      { reason: "FieldValueInvalid", field: "message", message: 'Invalid value: "other": field is immutable' },
    ]);
    const bumped: EventsV1Event = {
      ...EVENTS_V1,
      series: { count: 4, lastObservedTime: "2024-05-01T10:02:00.000000Z" },
    };
    expect(eventsV1EventStrategy.validateUpdate(bumped, EVENTS_V1)).toEqual([]);
  });
});
