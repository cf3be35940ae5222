// The watchers of a watch phase, on a thread of their own (watch.ts starts it). Real watchers are
// separate informers, in other processes; here 100 TLS streams share one event loop, and an event
// that waits behind the writer's sends on that loop arrives late through no fault of the server.
// On their own thread they wait only for one another. Times are process.hrtime (one clock for every
// thread of the process), in ms.

import type { IncomingMessage } from "node:http";
import { Agent, request } from "node:https";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { SENT_ANNOTATION } from "./pods.ts";
import { Samples } from "./stats.ts";

/** What watch.ts hands the thread. */
export interface ReceiverInput {
  url: string;
  caPem: string;
  token: string | undefined;
  path: string;
  watchers: number;
  /** Sequence numbers run from 0 to capacity - 1. */
  capacity: number;
  /** One Int32 the thread adds every received event to, for the writer's drain loop to read. */
  receivedCounter: SharedArrayBuffer;
}

/** Messages from the thread: `opened` once every watch answered, `result` after a `stop`. */
export type ReceiverMessage =
  | { type: "opened" }
  | { type: "failed"; error: string }
  | { type: "result"; result: ReceiverResult };

export interface ReceiverResult {
  /** Every received event's delivery latency, ms. */
  latencies: Float64Array<ArrayBuffer>;
  received: number;
  duplicates: number;
  errorEvents: number;
  otherEvents: number;
  endedEarly: number;
  /** This thread's event-loop delay p99 from the watches' opening to the stop, ms. */
  loopDelayP99Ms: number;
  firstError: string | undefined;
}

/** Now on the clock every thread of this process shares (CLOCK_MONOTONIC), ms. */
export function sharedNowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
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
  private readonly counter: Int32Array;
  received = 0;
  duplicates = 0;
  errorEvents = 0;
  otherEvents = 0;
  ended = false;
  firstError: string | undefined;

  constructor(capacity: number, latency: Samples, counter: Int32Array) {
    this.latency = latency;
    this.counter = counter;
    this.seen = new Uint8Array(capacity);
  }

  attach(res: IncomingMessage): void {
    res.on("data", (chunk: Buffer) => this.onData(chunk, sharedNowMs()));
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
    Atomics.add(this.counter, 0, 1);
    this.latency.add(arrived - Number(value.slice(at + 1)));
  }
}

function receive(input: ReceiverInput, port: NonNullable<typeof parentPort>): void {
  const u = new URL(input.url);
  const latency = new Samples();
  const counter = new Int32Array(input.receivedCounter);
  // One connection per watcher, as separate informers would hold; no keep-alive pool to share.
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY, ca: input.caPem });
  const watchers = Array.from({ length: input.watchers }, () => new Watcher(input.capacity, latency, counter));
  const headers = { ...(input.token ? { authorization: `Bearer ${input.token}` } : {}), accept: "application/json" };
  const requests = watchers.map((w) => {
    const req = request({ host: u.hostname, port: Number(u.port), path: input.path, agent, headers });
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
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  Promise.all(requests.map((r) => r.opened)).then(
    () => {
      loopDelay.enable();
      port.postMessage({ type: "opened" } satisfies ReceiverMessage);
    },
    (err: unknown) => port.postMessage({ type: "failed", error: String(err) } satisfies ReceiverMessage),
  );
  port.on("message", (msg: { type: "stop" }) => {
    if (msg.type !== "stop") return;
    loopDelay.disable();
    for (const r of requests) r.req.destroy();
    agent.destroy();
    const latencies = latency.values();
    const result: ReceiverResult = {
      latencies,
      received: watchers.reduce((n, w) => n + w.received, 0),
      duplicates: watchers.reduce((n, w) => n + w.duplicates, 0),
      errorEvents: watchers.reduce((n, w) => n + w.errorEvents, 0),
      otherEvents: watchers.reduce((n, w) => n + w.otherEvents, 0),
      endedEarly: watchers.filter((w) => w.ended).length,
      // The histogram counts in ns, and from the timer's due time (resolution 1 ms): it is the delay.
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      firstError: watchers.find((w) => w.firstError !== undefined)?.firstError,
    };
    port.postMessage({ type: "result", result } satisfies ReceiverMessage, [latencies.buffer]);
    port.close();
  });
}

if (parentPort !== null) receive(workerData as ReceiverInput, parentPort);
