// Watchers of the store: each is a newline-delimited JSON stream fed from committed changes.
// Selectors are applied with the object's previous state, as kube-apiserver's watch cache does:
// an object that stops matching is DELETED for that watcher, one that starts matching is ADDED.
// A watcher whose client stops reading is closed once its backlog passes a bound (it relists).
// Each watcher's stream is a native IdentityTransformStream, so workerd moves its bytes to the
// client without calling back into JavaScript per chunk; one write is in flight per watcher, and
// lines committed meanwhile wait for it to complete (fewer, larger writes exactly when a client or
// the object falls behind). An event is serialised and encoded once for all the JSON watchers it
// concerns: workerd's streams keep a reference to a written buffer and never write to it, and
// nothing here reuses one.
//
// Writes leave in flush rounds, at most one per round interval: an event after a quiet spell goes
// at once (in a microtask, so one commit's events share a chunk), and under a steady stream a
// watcher's lines are joined into one chunk per round. workerd spends tens of microseconds per
// chunk per stream whatever its size, so a chunk per event saturated the object's thread long
// before SQLite did. Measured with bench:api (100 watchers, 200 writes/s): 5.3 ms of CPU per
// watched write and delivery p99 66 ms with a chunk per event; 4.2 ms and 38 ms with 10 ms rounds.
// The interval grows with the number of watchers (roundIntervalMs): a few watchers cost little
// per round, and waiting 10 ms for them only added latency (25 watchers: delivery p50 6.0-6.7 ms
// with 4 ms rounds, 9.7-10.6 with 10 ms rounds). kube-apiserver flushes a watch whenever no
// further event is queued for it; this bounds the added delay to 10 ms instead.
//
// A round writes to at most 25 watchers (the ones waiting longest), and rounds are spaced so that
// every waiting watcher is still served within one interval: 100 watchers are served in four
// rounds 2.5 ms apart rather than all at once. Requests queue behind a round's writes on the one
// thread, at each of their hops; 100 writes at once held every create behind them. In 9 pairs of
// interleaved bench:api watch runs (100 watchers, 200 writes/s) this cut the median delivery p50
// from 18.7 to 15.2 ms and workerd CPU per watched write from 4.87 to 4.26 ms (lower in every
// pair). The p99 did not move beyond the noise (medians 72.6 and 80.8 ms): full garbage
// collections set it.

import type { KubeObject } from "../../../schemas/object.ts";
import type { ResourceType } from "../../../schemas/registry.ts";
import { type FieldSelector, matchesFields } from "../../api/selectors/fields.ts";
import { type LabelSelector, matchesLabels } from "../../api/selectors/labels.ts";
import type { Change } from "./revision-log.ts";
import type { WatchFormat } from "./types.ts";

export type EventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** Renders one event's object for a watcher: the object itself, or a Table row for kubectl get -w. */
export type EventRenderer = (w: Watcher, obj: KubeObject) => unknown;

export interface WatcherSpec {
  resource: string;
  resourceType: ResourceType;
  namespace: string | undefined;
  labels: LabelSelector;
  fields: FieldSelector;
  format: WatchFormat;
  includeObject: "None" | "Metadata" | "Object";
  bookmarks: boolean;
}

export interface Watcher extends WatcherSpec {
  id: number;
  writer: WritableStreamDefaultWriter<ArrayBuffer | ArrayBufferView>;
  lastWrite: number;
  /** A write is on its way to the client; lines sent meanwhile wait in `pending`. */
  writing: boolean;
  pending: Uint8Array[];
  /** Bytes in `pending` plus the write in flight: the client's backlog. */
  backlog: number;
  /** Bytes of the write in flight. */
  inFlight: number;
  /** The write in flight's callbacks, made once per watcher rather than once per write. */
  onWritten: () => void;
  onWriteFailed: () => void;
  /** Table watches send column definitions with their first event only, as kube-apiserver does. */
  columnsSent: boolean;
  closed: boolean;
  timeout: ReturnType<typeof setTimeout> | undefined;
}

/** Bytes a client may leave unread before its watch is closed. */
const MAX_BACKLOG_BYTES = 32 * 1024 * 1024;

/** The longest time between two flush rounds: the most a round adds to an event's delivery. */
const MAX_ROUND_INTERVAL_MS = 10;

/** Chunks a second that rounds aim to stay under, at ~40 µs each about a quarter of the thread. */
const CHUNKS_PER_SECOND = 6000;

/**
 * The shortest time between two flush rounds for this many watchers: each round may write a chunk
 * to every one of them, so the interval grows with their number, up to MAX_ROUND_INTERVAL_MS (from
 * 60 watchers on).
 */
export function roundIntervalMs(watchers: number): number {
  return Math.min(MAX_ROUND_INTERVAL_MS, (watchers * 1000) / CHUNKS_PER_SECOND);
}

/**
 * The most watchers one flush round writes to. A round's writes run back to back on the object's
 * thread, and every request arriving meanwhile (a create, the next hop of another) waits behind
 * them: 100 at once held creates up for milliseconds at each of their hops.
 */
const ROUND_WATCHERS = 25;

/**
 * The time between two flush rounds for this many watchers: rounds of at most ROUND_WATCHERS, as
 * many per roundIntervalMs as it takes to serve every watcher, so that none waits longer than an
 * interval while the work is spread across it.
 */
export function roundSpacingMs(watchers: number): number {
  return roundIntervalMs(watchers) * Math.min(1, ROUND_WATCHERS / watchers);
}

const encoder = new TextEncoder();

function encodeLine(type: EventType, object: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify({ type, object })}\n`);
}

/** Distinct joined chunks a flush round remembers for sharing (watchers rarely differ more). */
const MAX_SHARED_CHUNKS = 8;

function sameParts(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One chunk of several lines (the common case of one needs no copy). */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let size = 0;
  for (const p of parts) size += p.byteLength;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

export class WatchHub {
  private readonly watchers = new Map<number, Watcher>();
  private nextId = 1;
  private bookmarkTimer: ReturnType<typeof setInterval> | undefined;
  private readonly render: EventRenderer;
  private readonly bookmarkIntervalMs: number;
  private readonly currentRevision: () => number;
  /** Watchers with lines waiting for the next flush round. */
  private readonly dirty = new Set<Watcher>();
  private roundScheduled = false;
  private lastRound = 0;

  constructor(render: EventRenderer, bookmarkIntervalMs: number, currentRevision: () => number) {
    this.render = render;
    this.bookmarkIntervalMs = bookmarkIntervalMs;
    this.currentRevision = currentRevision;
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Opens a stream for a watcher; the caller then sends its initial events and replay. */
  open(
    spec: WatcherSpec,
    timeoutSeconds: number | undefined,
  ): { watcher: Watcher; readable: ReadableStream<Uint8Array> } {
    const stream = new IdentityTransformStream();
    const writer = stream.writable.getWriter();
    const watcher: Watcher = {
      ...spec,
      id: this.nextId++,
      writer,
      lastWrite: Date.now(),
      writing: false,
      pending: [],
      backlog: 0,
      inFlight: 0,
      onWritten: () => this.written(watcher),
      onWriteFailed: () => this.close(watcher, true),
      columnsSent: false,
      closed: false,
      timeout: undefined,
    };
    this.watchers.set(watcher.id, watcher);
    writer.closed.catch(() => this.close(watcher));
    if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
      watcher.timeout = setTimeout(() => this.close(watcher), timeoutSeconds * 1000);
    }
    this.ensureBookmarkTimer();
    return { watcher, readable: stream.readable };
  }

  /** Ends a watch; lines still waiting go out first unless the client is the reason (`drop`). */
  close(w: Watcher, drop = false): void {
    if (w.closed) return;
    w.closed = true;
    if (w.timeout) clearTimeout(w.timeout);
    this.watchers.delete(w.id);
    this.dirty.delete(w);
    if (!drop && w.pending.length > 0) w.writer.write(concat(w.pending)).catch(() => {});
    w.pending = [];
    w.writer.close().catch(() => {});
    if (this.watchers.size === 0 && this.bookmarkTimer) {
      clearInterval(this.bookmarkTimer);
      this.bookmarkTimer = undefined;
    }
  }

  closeAll(): void {
    for (const w of [...this.watchers.values()]) this.close(w);
  }

  matches(w: Pick<WatcherSpec, "namespace" | "labels" | "fields">, obj: KubeObject | null): boolean {
    if (!obj) return false;
    if (w.namespace !== undefined && (obj.metadata.namespace ?? "") !== w.namespace) return false;
    return matchesLabels(w.labels, obj.metadata.labels) && matchesFields(w.fields, obj);
  }

  /** The event a change means to one watcher, or none when it matched neither before nor after. */
  eventFor(w: WatcherSpec, c: Change): "ADDED" | "MODIFIED" | "DELETED" | undefined {
    if (c.resource !== w.resource) return undefined;
    const now = c.type !== "DELETED" && this.matches(w, c.value);
    const before = c.type === "DELETED" ? this.matches(w, c.value) : this.matches(w, c.prev);
    if (c.type === "DELETED") return before ? "DELETED" : undefined;
    if (now && before) return "MODIFIED";
    if (now) return "ADDED";
    if (before) return "DELETED";
    return undefined;
  }

  send(w: Watcher, type: EventType, object: unknown): void {
    if (w.closed) return;
    this.write(w, encodeLine(type, object));
  }

  sendObject(w: Watcher, type: EventType, obj: KubeObject): void {
    if (w.closed) return;
    this.send(w, type, this.render(w, obj));
  }

  private write(w: Watcher, line: Uint8Array): void {
    w.lastWrite = Date.now();
    w.backlog += line.byteLength;
    if (w.backlog > MAX_BACKLOG_BYTES) {
      this.close(w, true);
      return;
    }
    w.pending.push(line);
    // A watcher with a write in flight sends its lines when that write completes.
    if (w.writing) return;
    this.dirty.add(w);
    this.scheduleRound();
  }

  private scheduleRound(): void {
    if (this.roundScheduled) return;
    this.roundScheduled = true;
    const wait = this.lastRound + roundSpacingMs(this.watchers.size) - Date.now();
    if (wait <= 0) queueMicrotask(() => this.flushRound());
    else setTimeout(() => this.flushRound(), wait);
  }

  private flushRound(): void {
    this.roundScheduled = false;
    this.lastRound = Date.now();
    // Watchers of the same things have the same lines waiting (the very same buffers): their chunk
    // is joined once and shared, as single lines are.
    const joined: { parts: Uint8Array[]; bytes: Uint8Array }[] = [];
    // The dirty set keeps the order watchers got their lines in: the longest waiting go first.
    let room = ROUND_WATCHERS;
    for (const w of this.dirty) {
      if (room === 0) break;
      this.dirty.delete(w);
      if (w.closed || w.writing || w.pending.length === 0) continue;
      room--;
      const parts = w.pending;
      w.pending = [];
      let bytes = joined.find((j) => sameParts(j.parts, parts))?.bytes;
      if (bytes === undefined) {
        bytes = concat(parts);
        if (joined.length < MAX_SHARED_CHUNKS) joined.push({ parts, bytes });
      }
      this.flush(w, bytes);
    }
    if (this.dirty.size > 0) this.scheduleRound();
  }

  private flush(w: Watcher, bytes: Uint8Array): void {
    w.writing = true;
    w.inFlight = bytes.byteLength;
    // Resolves once the client's side has taken the bytes (an IdentityTransformStream buffers nothing).
    w.writer.write(bytes).then(w.onWritten, w.onWriteFailed);
  }

  private written(w: Watcher): void {
    w.writing = false;
    w.backlog -= w.inFlight;
    w.inFlight = 0;
    // What came meanwhile leaves with the next round, as any line does.
    if (w.closed || w.pending.length === 0) return;
    this.dirty.add(w);
    this.scheduleRound();
  }

  /** Fans committed changes out to every watcher they concern. */
  publish(batch: Change[]): void {
    if (this.watchers.size === 0) return;
    for (const c of batch) {
      // A JSON watcher's line depends only on the event (watch-render.ts passes the object
      // through), so it is serialised once per event type, not once per watcher.
      const jsonLines = new Map<EventType, Uint8Array>();
      for (const w of this.watchers.values()) {
        const type = this.eventFor(w, c);
        if (!type) continue;
        if (w.format !== "json") {
          this.sendObject(w, type, c.value);
          continue;
        }
        let line = jsonLines.get(type);
        if (line === undefined) {
          const rendered = this.render(w, c.value);
          // The object as just stored is already JSON: the line wraps that text.
          line =
            rendered === c.value && c.text !== undefined
              ? encoder.encode(`{"type":"${type}","object":${c.text}}\n`)
              : encodeLine(type, rendered);
          jsonLines.set(type, line);
        }
        this.write(w, line);
      }
    }
  }

  bookmark(w: Watcher, annotations?: Record<string, string>): void {
    const metadata: { resourceVersion: string; annotations?: Record<string, string> } = {
      resourceVersion: String(this.currentRevision()),
    };
    if (annotations) metadata.annotations = annotations;
    const rt = w.resourceType;
    this.send(w, "BOOKMARK", {
      kind: rt.kind,
      apiVersion: rt.group ? `${rt.group}/${rt.version}` : rt.version,
      metadata,
    });
  }

  private ensureBookmarkTimer(): void {
    if (this.bookmarkTimer) return;
    // Checking at a fraction of the interval keeps every idle watch within the promised bound.
    const tick = Math.max(50, Math.floor(this.bookmarkIntervalMs / 4));
    this.bookmarkTimer = setInterval(() => this.sendDueBookmarks(), tick);
  }

  private sendDueBookmarks(): void {
    const due = Date.now() - this.bookmarkIntervalMs * 0.75;
    for (const w of this.watchers.values()) {
      if (w.bookmarks && w.lastWrite <= due) this.bookmark(w);
    }
  }
}
