import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { EVENTS, type EventSpec } from "../types.ts";
import { dedupKey, eventDedupKey, recordEvent, unixNanosHex } from "./recorder.ts";

const T0 = Date.parse("2026-03-01T10:00:00Z");

const POD: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-1", namespace: "shop", uid: "pod-uid", resourceVersion: "41" },
};

const SCALED: EventSpec = {
  regarding: POD,
  type: "Normal",
  reason: "Scheduled",
  message: "Successfully assigned shop/web-1 to pi-1",
  source: "default-scheduler",
};

function created(action: ReturnType<typeof recordEvent>): KubeObject {
  if (action.type !== "create") throw new Error(`expected a create, got ${action.type}`);
  return action.object;
}

describe("recordEvent", () => {
  it("creates the first occurrence as client-go's recorder does", () => {
    expect(recordEvent(undefined, SCALED, T0)).toEqual({
      type: "create",
      resource: EVENTS,
      object: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `web-1.${(BigInt(T0) * 1_000_000n).toString(16)}`, namespace: "shop" },
        involvedObject: {
          kind: "Pod",
          namespace: "shop",
          name: "web-1",
          uid: "pod-uid",
          apiVersion: "v1",
          resourceVersion: "41",
        },
        reason: "Scheduled",
        message: "Successfully assigned shop/web-1 to pi-1",
        source: { component: "default-scheduler" },
        firstTimestamp: "2026-03-01T10:00:00Z",
        lastTimestamp: "2026-03-01T10:00:00Z",
        count: 1,
        type: "Normal",
        reportingComponent: "default-scheduler",
        reportingInstance: "",
      },
    });
  });

  it("names events with unix nanoseconds in hex, fractions of a millisecond included", () => {
    expect(unixNanosHex(1_700_000_000_000)).toBe("17979cfe362a0000");
    expect(unixNanosHex(1_700_000_000_000.5)).toBe((1_700_000_000_000n * 1_000_000n + 500_000n).toString(16));
  });

  it("files events about cluster-scoped objects under default, and carries the instance", () => {
    const node: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name: "pi-1", uid: "pi-1" } };
    const spec: EventSpec = { regarding: node, type: "Normal", reason: "Starting", message: "x", source: "kubelet" };
    const event = created(recordEvent(undefined, spec, T0, { instance: "pi-1" }));
    expect(event.metadata.namespace).toBe("default");
    expect(event.involvedObject).toEqual({ kind: "Node", name: "pi-1", uid: "pi-1", apiVersion: "v1" });
    expect(event.source).toEqual({ component: "kubelet", host: "pi-1" });
    expect(event.reportingInstance).toBe("pi-1");
  });

  it("counts a repeat on the stored event instead of creating another", () => {
    const first = created(recordEvent(undefined, SCALED, T0));
    const stored = { ...first, metadata: { ...first.metadata, resourceVersion: "77", uid: "ev-uid" } };
    const snapshot = structuredClone(stored);
    const second = recordEvent(stored, SCALED, T0 + 5_000);
    expect(second).toEqual({
      type: "update",
      resource: EVENTS,
      object: { ...stored, count: 2, lastTimestamp: "2026-03-01T10:00:05Z" },
    });
    expect(stored).toEqual(snapshot);
    if (second.type !== "update") throw new Error("unreachable");
    const third = recordEvent(second.object, SCALED, T0 + 9_000);
    expect(third).toMatchObject({ type: "update", object: { count: 3, firstTimestamp: "2026-03-01T10:00:00Z" } });
  });

  it("starts a new event when the stored one is older than the window", () => {
    const first = created(recordEvent(undefined, SCALED, T0));
    const later = recordEvent(first, SCALED, T0 + 60 * 60 * 1000);
    expect(later.type).toBe("create");
    expect(created(later).metadata.name).not.toBe(first.metadata.name);
    expect(recordEvent(first, SCALED, T0 + 2_000, { windowMs: 1_000 }).type).toBe("create");
  });
});

describe("dedupKey", () => {
  it("matches the key of the event it creates, whatever the object's resourceVersion", () => {
    const event = created(recordEvent(undefined, SCALED, T0));
    expect(eventDedupKey(event)).toBe(dedupKey(SCALED));
    const newer = { ...SCALED, regarding: { ...POD, metadata: { ...POD.metadata, resourceVersion: "99" } } };
    expect(dedupKey(newer)).toBe(dedupKey(SCALED));
  });

  it.each([
    ["message", { message: "other" }],
    ["reason", { reason: "Other" }],
    ["type", { type: "Warning" as const }],
    ["source", { source: "kubelet" }],
    ["object", { regarding: { ...POD, metadata: { ...POD.metadata, uid: "other" } } }],
  ])("differs when the %s differs", (_field, change) => {
    expect(dedupKey({ ...SCALED, ...change })).not.toBe(dedupKey(SCALED));
  });

  it("differs per reporting instance", () => {
    expect(dedupKey(SCALED, { instance: "a" })).not.toBe(dedupKey(SCALED, { instance: "b" }));
  });
});
