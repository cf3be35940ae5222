// Watchers of the store: each is a newline-delimited JSON stream fed from committed changes.
// Selectors are applied with the object's previous state, as kube-apiserver's watch cache does:
// an object that stops matching is DELETED for that watcher, one that starts matching is ADDED.
// A watcher whose client stops reading is closed once its backlog passes a bound (it relists).

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
  writer: WritableStreamDefaultWriter<Uint8Array>;
  lastWrite: number;
  /** Table watches send column definitions with their first event only, as kube-apiserver does. */
  columnsSent: boolean;
  closed: boolean;
  timeout: ReturnType<typeof setTimeout> | undefined;
}

/** Bytes a client may leave unread before its watch is closed. */
const MAX_BACKLOG_BYTES = 32 * 1024 * 1024;

const encoder = new TextEncoder();

export class WatchHub {
  private readonly watchers = new Map<number, Watcher>();
  private nextId = 1;
  private bookmarkTimer: ReturnType<typeof setInterval> | undefined;
  private readonly render: EventRenderer;
  private readonly bookmarkIntervalMs: number;
  private readonly currentRevision: () => number;

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
    const stream = new TransformStream<Uint8Array, Uint8Array>(
      undefined,
      new ByteLengthQueuingStrategy({ highWaterMark: 1024 * 1024 }),
    );
    const writer = stream.writable.getWriter();
    const watcher: Watcher = {
      ...spec,
      id: this.nextId++,
      writer,
      lastWrite: Date.now(),
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

  close(w: Watcher): void {
    if (w.closed) return;
    w.closed = true;
    if (w.timeout) clearTimeout(w.timeout);
    this.watchers.delete(w.id);
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
    this.write(w, `${JSON.stringify({ type, object })}\n`);
  }

  sendObject(w: Watcher, type: EventType, obj: KubeObject): void {
    if (w.closed) return;
    this.send(w, type, this.render(w, obj));
  }

  private write(w: Watcher, line: string): void {
    const desired = w.writer.desiredSize;
    if (desired !== null && desired < -MAX_BACKLOG_BYTES) {
      this.close(w);
      return;
    }
    w.lastWrite = Date.now();
    w.writer.write(encoder.encode(line)).catch(() => this.close(w));
  }

  /** Fans committed changes out to every watcher they concern. */
  publish(batch: Change[]): void {
    if (this.watchers.size === 0) return;
    for (const c of batch) {
      for (const w of this.watchers.values()) {
        const type = this.eventFor(w, c);
        if (type) this.sendObject(w, type, c.value);
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
