import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { EVENTS } from "../types.ts";
import { planEventExpiry } from "./expiry.ts";

const T0 = Date.parse("2026-03-01T10:00:00Z");
const HOUR = 60 * 60 * 1000;

function event(name: string, fields: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name, namespace: "default", uid: `${name}-uid`, creationTimestamp: "2026-03-01T09:00:00Z" },
    ...fields,
  };
}

describe("planEventExpiry", () => {
  it("deletes events an hour after their last write and requeues for the next one", () => {
    const events = [
      event("old", { lastTimestamp: "2026-03-01T09:00:00Z" }),
      event("counted", { firstTimestamp: "2026-03-01T08:00:00Z", lastTimestamp: "2026-03-01T09:20:00Z" }),
      event("fresh", { lastTimestamp: "2026-03-01T09:59:59Z" }),
    ];
    const snapshot = structuredClone(events);
    expect(planEventExpiry(events, T0)).toEqual([
      { type: "delete", resource: EVENTS, namespace: "default", name: "old", uid: "old-uid" },
      { type: "requeue", afterMs: 20 * 60 * 1000 },
    ]);
    expect(events).toEqual(snapshot);
  });

  it("expires exactly at the TTL, not a millisecond before", () => {
    const e = event("e", { lastTimestamp: "2026-03-01T09:00:00Z" });
    expect(planEventExpiry([e], T0 - 1)).toEqual([{ type: "requeue", afterMs: 1 }]);
    expect(planEventExpiry([e], T0)).toHaveLength(1);
  });

  it("reads events.k8s.io times (eventTime, series) and honours a custom TTL", () => {
    const e = event("series", {
      eventTime: "2026-03-01T09:00:00.000000Z",
      series: { count: 4, lastObservedTime: "2026-03-01T09:59:00.000000Z" },
    });
    expect(planEventExpiry([e], T0)).toEqual([{ type: "requeue", afterMs: HOUR - 60_000 }]);
    expect(planEventExpiry([e], T0, 60_000)).toEqual([
      { type: "delete", resource: EVENTS, namespace: "default", name: "series", uid: "series-uid" },
    ]);
  });

  it("returns nothing for no events and refuses a TTL that is not positive", () => {
    expect(planEventExpiry([], T0)).toEqual([]);
    expect(() => planEventExpiry([], T0, 0)).toThrow(/ttlMs/);
  });
});
