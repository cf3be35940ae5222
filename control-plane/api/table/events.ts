// Events, served by core/v1 and events.k8s.io/v1 alike: upstream prints both from one internal
// type, so the events.k8s.io field names (regarding, note, deprecated*) are mapped onto the core
// ones first. LAST SEEN prefers the series, then lastTimestamp, then the first sighting.

import type { KubeObject } from "../../../schemas/object.ts";
import { humanDuration, parseTime } from "./duration.ts";
import { column } from "./format.ts";
import { int, opt, rec, str } from "./read.ts";
import type { PrintedRow, Printer } from "./types.ts";

type Rec = Readonly<Record<string, unknown>>;

/** The fields the printer reads, named as on a core/v1 Event. */
interface EventView {
  involvedObject: Rec;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  series: Rec | undefined;
  count: number;
  source: Rec;
  reportingController: string;
  reportingInstance: string;
  type: string;
  reason: string;
  message: string;
}

function view(ev: KubeObject): EventView {
  const common = {
    eventTime: ev.eventTime,
    series: opt(ev.series),
    reportingInstance: str(ev.reportingInstance),
    type: str(ev.type),
    reason: str(ev.reason),
  };
  if (ev.apiVersion === "events.k8s.io/v1") {
    return {
      ...common,
      involvedObject: rec(ev.regarding),
      firstTimestamp: ev.deprecatedFirstTimestamp,
      lastTimestamp: ev.deprecatedLastTimestamp,
      count: int(ev.deprecatedCount),
      source: rec(ev.deprecatedSource),
      reportingController: str(ev.reportingController),
      message: str(ev.note),
    };
  }
  return {
    ...common,
    involvedObject: rec(ev.involvedObject),
    firstTimestamp: ev.firstTimestamp,
    lastTimestamp: ev.lastTimestamp,
    count: int(ev.count),
    source: rec(ev.source),
    reportingController: str(ev.reportingComponent),
    message: str(ev.message),
  };
}

function since(timestamp: unknown, now: number): string | undefined {
  const ms = parseTime(timestamp);
  return ms === undefined ? undefined : humanDuration(now - ms);
}

/** `component, host`, each falling back to the reporting controller / instance of the new API. */
function sourceCell(e: EventView): string {
  const component = str(e.source.component) || e.reportingController;
  const host = str(e.source.host) || e.reportingInstance;
  return host ? `${component}, ${host}` : component;
}

function printEvent(ev: KubeObject, now: number): PrintedRow {
  const e = view(ev);
  const firstSeen = since(e.firstTimestamp, now) ?? since(e.eventTime, now) ?? "<unknown>";
  let lastSeen = since(e.lastTimestamp, now) ?? firstSeen;
  let count = e.count;
  if (e.series !== undefined) {
    lastSeen = since(e.series.lastObservedTime, now) ?? "<unknown>";
    count = int(e.series.count);
  } else if (count === 0) {
    // Singleton events of the new API carry no count; they happened once.
    count = 1;
  }
  const kind = str(e.involvedObject.kind).toLowerCase();
  const name = str(e.involvedObject.name);
  return {
    cells: [
      lastSeen,
      e.type,
      e.reason,
      name ? `${kind}/${name}` : kind,
      str(e.involvedObject.fieldPath),
      sourceCell(e),
      e.message.trim(),
      firstSeen,
      count,
      str(ev.metadata.name),
    ],
  };
}

export const eventPrinter: Printer = {
  columns: [
    column("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
    column("Type", "string", "Type of this event (Normal, Warning)."),
    column("Reason", "string", "Why the action was taken, in a short machine-readable form."),
    column("Object", "string", "The object this event is about."),
    column("Subobject", "string", "The part of the object this event is about (fieldPath).", true),
    column("Source", "string", "The component reporting this event.", true),
    column("Message", "string", "A human-readable description of the event."),
    column("First Seen", "string", "The time at which the event was first recorded.", true),
    column("Count", "string", "The number of times this event has occurred.", true),
    { name: "Name", type: "string", format: "name", description: "Name of the event object.", priority: 1 },
  ],
  print: printEvent,
};
