// events.k8s.io/v1 Events are a view of the stored core/v1 Events (one table, as upstream keeps one
// storage for both APIs). The store's RPC converts at its boundary, so every reader of either API
// gets its own form whoever wrote the event; inside the store everything is core/v1.

import type { Event } from "../../../schemas/core/event.ts";
import type { EventsV1Event } from "../../../schemas/events/event.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import type { ResourceType } from "../../../schemas/registry.ts";
import type { FieldSelector } from "../../api/selectors/fields.ts";
import { eventToEventsV1, eventToV1 } from "../../api/strategies/index.ts";
import type { StoreStrategy } from "./object-writes.ts";

export function isEventsView(rt: Pick<ResourceType, "group" | "plural">): boolean {
  return rt.group === "events.k8s.io" && rt.plural === "events";
}

/** What the store keeps for an object written through `rt`. */
export function toStored(rt: ResourceType, obj: KubeObject): KubeObject {
  return isEventsView(rt) && obj.apiVersion !== "v1" ? (eventToV1(obj as EventsV1Event) as KubeObject) : obj;
}

/** What a reader through `rt` sees of a stored object. */
export function toServed(rt: ResourceType, obj: KubeObject): KubeObject {
  return isEventsView(rt) && obj.apiVersion === "v1" ? (eventToEventsV1(obj as Event) as KubeObject) : obj;
}

/** events.k8s.io field selectors (regarding.kind...) name the stored object's involvedObject. */
export function storedFields(rt: ResourceType, fields: FieldSelector): FieldSelector {
  if (!isEventsView(rt)) return fields;
  return fields.map((r) =>
    r.field.startsWith("regarding.") ? { ...r, field: `involvedObject.${r.field.slice("regarding.".length)}` } : r,
  );
}

/** The events.k8s.io update rules, given the stored (core/v1) forms the store compares. */
export function servedStrategy(rt: ResourceType, strategy: StoreStrategy): StoreStrategy {
  if (!isEventsView(rt)) return strategy;
  return {
    hasStatus: strategy.hasStatus,
    tracksGeneration: strategy.tracksGeneration,
    validateUpdate: (obj, old) => strategy.validateUpdate(toServed(rt, obj), toServed(rt, old)),
  };
}
