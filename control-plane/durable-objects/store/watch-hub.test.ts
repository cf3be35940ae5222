// The hub's write path on its own: events for a client that is not reading yet wait and then leave
// together, in order; under a steady stream they leave in flush rounds; closing sends what waits;
// JSON watchers share one serialisation per event, the stored text when there is one.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { resourceFor } from "../../../schemas/registry.ts";
import { parseFieldSelector } from "../../api/selectors/fields.ts";
import type { Change } from "./revision-log.ts";
import { roundIntervalMs, roundSpacingMs, type WatcherSpec, WatchHub } from "./watch-hub.ts";

const rt = resourceFor("", "v1", "pods")!;

function spec(): WatcherSpec {
  return {
    resource: "pods",
    resourceType: rt,
    namespace: undefined,
    labels: [],
    fields: parseFieldSelector(undefined, rt),
    format: "json",
    includeObject: "Metadata",
    bookmarks: false,
  };
}

function added(rv: number): Change {
  const value: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `p${rv}`, namespace: "default", resourceVersion: String(rv) },
  };
  return { rv, resource: "pods", namespace: "default", name: `p${rv}`, type: "ADDED", value, prev: null };
}

/** Every chunk until the stream ends, as text. */
async function chunks(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  const decoder = new TextDecoder();
  for await (const c of stream) out.push(decoder.decode(c));
  return out;
}

function names(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => (JSON.parse(l) as { object: KubeObject }).object.metadata.name ?? "");
}

/** A hub that sends objects as they are, with no bookmarks due during a test. */
function passThroughHub(): WatchHub {
  return new WatchHub(
    (_w, obj) => obj,
    60_000,
    () => 0,
  );
}

/** Reads a stream chunk by chunk: each call answers the names of the next chunk's events. */
function chunkNames(readable: ReadableStream<Uint8Array>): { next: () => Promise<string[]>; release: () => void } {
  const reader = readable.getReader();
  const decoder = new TextDecoder();
  return {
    next: async () => names(decoder.decode((await reader.read()).value)),
    release: () => reader.releaseLock(),
  };
}

/**
 * Publishes p1 after a quiet spell and reads it, then p2 and, `gapMs` later, p3 (left unread: the
 * caller says how they arrive).
 */
async function quietThenTwo(hub: WatchHub, next: () => Promise<string[]>, gapMs: number): Promise<void> {
  hub.publish([added(1)]);
  // Nothing else is published: were the first event held for a round, this read would hang.
  expect(await next()).toEqual(["p1"]);
  hub.publish([added(2)]);
  await new Promise((resolve) => setTimeout(resolve, gapMs));
  hub.publish([added(3)]);
}

describe("watch hub", () => {
  it("coalesces events a client has not read yet into few chunks, in order", async () => {
    const hub = passThroughHub();
    const { watcher, readable } = hub.open(spec(), undefined);
    for (let rv = 1; rv <= 50; rv++) hub.publish([added(rv)]);
    hub.close(watcher);
    const got = await chunks(readable);
    expect(names(got.join(""))).toEqual(Array.from({ length: 50 }, (_, i) => `p${i + 1}`));
    // One write in flight, the other 49 lines waiting for it: far fewer chunks than events.
    expect(got.length).toBeLessThanOrEqual(3);
  });

  it("sends an event after a quiet spell at once, and joins the events of the next round", async () => {
    const hub = passThroughHub();
    // Enough watchers for the longest round interval (roundIntervalMs).
    for (let i = 0; i < 59; i++) hub.open(spec(), undefined);
    const { readable } = hub.open(spec(), undefined);
    const { next, release } = chunkNames(readable);
    // The third event comes a moment after the second, within the round: it leaves with it.
    await quietThenTwo(hub, next, 1);
    expect(await next()).toEqual(["p2", "p3"]);
    hub.closeAll();
    release();
  });

  it("holds a lone watcher's events for far less than a round of many", async () => {
    const hub = passThroughHub();
    const { watcher, readable } = hub.open(spec(), undefined);
    const { next, release } = chunkNames(readable);
    // 5 ms apart: with 10 ms rounds the two would leave together; one watcher's round is shorter.
    await quietThenTwo(hub, next, 5);
    expect(await next()).toEqual(["p2"]);
    expect(await next()).toEqual(["p3"]);
    hub.close(watcher);
    release();
  });

  it("lengthens the round with the number of watchers, up to 10 ms", () => {
    expect(roundIntervalMs(1)).toBeCloseTo(1 / 6);
    expect(roundIntervalMs(30)).toBe(5);
    expect(roundIntervalMs(60)).toBe(10);
    expect(roundIntervalMs(100)).toBe(10);
  });

  it("writes to at most 25 watchers a round, spacing rounds so that each still gets one per interval", () => {
    // Few watchers: one round serves them all.
    expect(roundSpacingMs(10)).toBeCloseTo(roundIntervalMs(10));
    expect(roundSpacingMs(25)).toBeCloseTo(roundIntervalMs(25));
    // Many: four rounds of 25 per 10 ms interval for 100, forty for 1000.
    expect(roundSpacingMs(100)).toBeCloseTo(2.5);
    expect(roundSpacingMs(1000)).toBeCloseTo(0.25);
  });

  it("delivers every event, in order, to each of 100 watchers served in several rounds", async () => {
    const hub = passThroughHub();
    const opened = Array.from({ length: 100 }, () => hub.open(spec(), undefined));
    const received = opened.map(async ({ readable }) => {
      const reader = readable.getReader();
      const decoder = new TextDecoder();
      const got: string[] = [];
      while (got.length < 5) {
        const { value, done } = await reader.read();
        if (done) break;
        got.push(...names(decoder.decode(value)));
      }
      reader.releaseLock();
      return got;
    });
    // Published a few at a time, as writes come, while earlier rounds are still going out.
    for (let rv = 1; rv <= 5; rv++) {
      hub.publish([added(rv)]);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const all = await Promise.all(received);
    hub.closeAll();
    for (const got of all) expect(got).toEqual(["p1", "p2", "p3", "p4", "p5"]);
  });

  it("sends the same line to every JSON watcher", async () => {
    const hub = passThroughHub();
    const a = hub.open(spec(), undefined);
    const b = hub.open(spec(), undefined);
    hub.publish([added(1), added(2)]);
    hub.closeAll();
    const [ta, tb] = await Promise.all([chunks(a.readable), chunks(b.readable)]);
    expect(ta.join("")).toBe(tb.join(""));
    expect(names(ta.join(""))).toEqual(["p1", "p2"]);
  });

  it("wraps a just-stored change's text as it is, and serialises what a renderer changed", async () => {
    const hub = new WatchHub(
      (w, obj) => (w.format === "table" ? { kind: "Table", rows: [obj.metadata.name] } : obj),
      60_000,
      () => 0,
    );
    const json = hub.open(spec(), undefined);
    const table = hub.open({ ...spec(), format: "table" }, undefined);
    const stored = added(1);
    // The stored text, key order and all (a stringify of the object would reorder nothing here,
    // so the text carries a marker the object does not have).
    const text = JSON.stringify({ ...stored.value, stored: true });
    hub.publish([{ ...stored, text }, added(2)]);
    hub.closeAll();
    const [j, t] = await Promise.all([chunks(json.readable), chunks(table.readable)]);
    const lines = j
      .join("")
      .split("\n")
      .filter((l) => l.length > 0);
    expect(lines[0]).toBe(`{"type":"ADDED","object":${text}}`);
    expect(JSON.parse(lines[1]!)).toEqual({ type: "ADDED", object: added(2).value });
    expect(JSON.parse(t.join("").split("\n")[0]!)).toEqual({ type: "ADDED", object: { kind: "Table", rows: ["p1"] } });
  });
});
