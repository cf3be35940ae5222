// Watch delivery latency: many watchers on one namespace's pods, pods written at a fixed rate with
// the client's send time in an annotation; each event line's arrival minus that time, per watcher.
// Everything runs in this one process, so both times come from the same monotonic clock.

import type { IncomingMessage } from "node:http";
import { Agent, request } from "node:https";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Client } from "./http.ts";
import { openLoop, sleep } from "./load.ts";
import { listRevision, type PodBody, podsPath, SENT_ANNOTATION } from "./pods.ts";
import { Samples } from "./stats.ts";

export interface WatchResult {
  watchers: number;
  /** How long the last events took to arrive after the last write (backlog), ms. */
  drainMs: number;
  /** Pods written (created with 201) while the watchers were open. */
  written: number;
  writeErrors: number;
  /** watchers x written: every watcher must see every write. */
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  /** ERROR events, or lines that are not events at all. */
  errorEvents: number;
  /** Other events (MODIFIED by the scheduler in --unbound runs, say): not measured, not errors. */
  otherEvents: number;
  /** Watch streams that ended before the phase did. */
  endedEarly: number;
  latency: Samples;
  /** Each write's own round trip from its scheduled send time: the write path alone, fan-out aside. */
  writeLatency: Samples;
  /**
   * This client's own share of the latencies: it runs every watcher and the writer on one event
   * loop, on the same two cores as workerd, and an event that waits for that loop arrives late.
   */
  clientLoopDelayP99Ms: number;
  /** This process's CPU over the writes, in cores (1 = one core busy all the time). */
  clientCores: number;
  /** When the writes began and ended (performance.now()): the window other records are read for. */
  writesFrom: number;
  writesTo: number;
  firstError?: string;
}

// Lines are scanned as bytes: the client shares this machine's two cores with workerd, and
// decoding and regex-matching 20,000 lines of 2-3 KB a second would put its own CPU into the very
// latencies it measures. A line must start as an ADDED event and carry the annotation, whose value
// (`<seq>@<sentAt>`) is read between `"<key>":"` and the next quote.
const ADDED = Buffer.from('{"type":"ADDED",');
const EVENT = Buffer.from('{"type":"');
const ERROR = Buffer.from('{"type":"ERROR"');
const SENT_KEY = Buffer.from(`"${SENT_ANNOTATION}":"`);
const NEWLINE = 0x0a;
const QUOTE = 0x22;

class Watcher {
  /** The start of a line whose end has not arrived yet. */
  private carry: Buffer | undefined;
  private readonly seen: Uint8Array;
  private readonly latency: Samples;
  received = 0;
  duplicates = 0;
  errorEvents = 0;
  otherEvents = 0;
  ended = false;
  firstError: string | undefined;

  constructor(capacity: number, latency: Samples) {
    this.latency = latency;
    this.seen = new Uint8Array(capacity);
  }

  attach(res: IncomingMessage): void {
    res.on("data", (chunk: Buffer) => this.onData(chunk, performance.now()));
    res.on("end", () => {
      this.ended = true;
    });
    res.on("error", () => {
      this.ended = true;
    });
  }

  private onData(chunk: Buffer, arrived: number): void {
    const buf = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk]);
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE); nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
      if (nl > start) this.onLine(buf, start, nl, arrived);
      start = nl + 1;
    }
    this.carry = start < buf.length ? buf.subarray(start) : undefined;
  }

  private onLine(buf: Buffer, start: number, end: number, arrived: number): void {
    const startsWith = (prefix: Buffer) => buf.subarray(start, start + prefix.length).equals(prefix);
    if (!startsWith(EVENT) || startsWith(ERROR)) {
      this.errorEvents++;
      this.firstError ??= buf.toString("utf8", start, Math.min(end, start + 300));
      return;
    }
    const key = buf.indexOf(SENT_KEY, start);
    const from = key + SENT_KEY.length;
    const to = key < 0 || key > end ? -1 : buf.indexOf(QUOTE, from);
    const value = to < 0 || to > end ? "" : buf.toString("latin1", from, to);
    const at = value.indexOf("@");
    if (!startsWith(ADDED) || at < 0) {
      this.otherEvents++;
      return;
    }
    const seq = Number(value.slice(0, at));
    if (!(seq < this.seen.length) || this.seen[seq] === 1) {
      this.duplicates++;
      return;
    }
    this.seen[seq] = 1;
    this.received++;
    this.latency.add(arrived - Number(value.slice(at + 1)));
  }
}

export interface WatchPhase {
  /** The namespace written to (its pods are what the watchers watch). */
  namespace: string;
  /** Where the watchers connect, and where pods are posted. */
  watchPath: string;
  postPath: string;
  watchers: number;
  ratePerSecond: number;
  durationMs: number;
  /**
   * After the last write, events still on their way are awaited as long as they keep arriving:
   * until this long passes with none (then the missing ones count as lost), or `maxDrainMs`.
   */
  stallMs: number;
  maxDrainMs: number;
  body: PodBody;
}

/** The API's watch of a namespace's pods from its current revision, so that it misses nothing. */
export async function apiWatchPath(api: Client, namespace: string): Promise<string> {
  const rv = await listRevision(api, namespace);
  return `${podsPath(namespace)}?watch=true&resourceVersion=${rv}&timeoutSeconds=600`;
}

export async function measureWatch(api: Client, p: WatchPhase): Promise<WatchResult> {
  const target = api.target;
  const u = new URL(target.url);
  const capacity = Math.round((p.ratePerSecond * p.durationMs) / 1000) + 1;
  const latency = new Samples();
  // One connection per watcher, as separate informers would hold; no keep-alive pool to share.
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY, ca: target.caPem });
  const watchers = Array.from({ length: p.watchers }, () => new Watcher(capacity, latency));
  const requests = watchers.map((w) => {
    const req = request({
      host: u.hostname,
      port: Number(u.port),
      path: p.watchPath,
      agent,
      headers: { ...(target.token ? { authorization: `Bearer ${target.token}` } : {}), accept: "application/json" },
    });
    const opened = new Promise<void>((resolve, reject) => {
      req.on("response", (res) => {
        if (res.statusCode !== 200) reject(new Error(`watch answered ${res.statusCode}`));
        w.attach(res);
        resolve();
      });
      req.on("error", reject);
    });
    req.end();
    return { req, opened };
  });
  try {
    await Promise.all(requests.map((r) => r.opened));
    // Headers arrive as the store registers the watcher; a beat more lets the last ones settle.
    await sleep(200);
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const cpuBefore = process.cpuUsage();
    const writesStarted = performance.now();
    const writes = await openLoop(p.ratePerSecond, p.durationMs, async (seq) => {
      const name = `w-${seq}`;
      const sentAt = performance.now();
      const body = p.body(p.namespace, name, { [SENT_ANNOTATION]: `${seq}@${sentAt.toFixed(3)}` });
      const r = await api.send("POST", p.postPath, body);
      return r.status === 201 || `create ${name}: ${r.status} ${r.body.slice(0, 200)}`;
    });
    loopDelay.disable();
    const writesTo = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    const clientCores = (cpu.user + cpu.system) / 1000 / (performance.now() - writesStarted);
    const expected = writes.ok * p.watchers;
    const total = (): number => watchers.reduce((n, w) => n + w.received, 0);
    const drainStarted = performance.now();
    let lastCount = total();
    let lastProgress = drainStarted;
    for (let now = drainStarted; total() < expected; now = performance.now()) {
      if (total() !== lastCount) {
        lastCount = total();
        lastProgress = now;
      }
      if (now - lastProgress > p.stallMs || now - drainStarted > p.maxDrainMs) break;
      await sleep(20);
    }
    const drainMs = performance.now() - drainStarted;
    const received = total();
    const odd = watchers.find((w) => w.firstError !== undefined)?.firstError;
    return {
      watchers: p.watchers,
      drainMs,
      written: writes.ok,
      writeErrors: writes.errors,
      expected,
      received,
      lost: Math.max(0, expected - received),
      duplicates: watchers.reduce((n, w) => n + w.duplicates, 0),
      errorEvents: watchers.reduce((n, w) => n + w.errorEvents, 0),
      otherEvents: watchers.reduce((n, w) => n + w.otherEvents, 0),
      endedEarly: watchers.filter((w) => w.ended).length,
      latency,
      writeLatency: writes.latency,
      // The histogram counts in ns, and from the timer's due time (resolution 1 ms): it is the delay.
      clientLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      clientCores,
      writesFrom: writesStarted,
      writesTo,
      firstError: writes.firstError ?? odd,
    };
  } finally {
    for (const r of requests) r.req.destroy();
    agent.destroy();
  }
}
