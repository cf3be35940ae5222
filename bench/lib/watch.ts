// Watch delivery latency: many watchers on one namespace's pods, pods written at a fixed rate with
// the client's send time in an annotation; each event line's arrival minus that time, per watcher.
// The watchers run on a thread of their own (watch-receiver.ts) and the writer on this one, as
// informers and the clients writing are separate programs; both threads read the same monotonic
// clock.

import { Worker } from "node:worker_threads";
import type { Client } from "./http.ts";
import { openLoop, sleep } from "./load.ts";
import { listRevision, type PodBody, podsPath, SENT_ANNOTATION } from "./pods.ts";
import { Samples } from "./stats.ts";
import { type ReceiverInput, type ReceiverMessage, sharedNowMs } from "./watch-receiver.ts";

const RECEIVER = new URL("./watch-receiver.ts", import.meta.url);

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
   * The watchers' own share of the latencies: they share one event loop, on the same two cores as
   * workerd, and an event that waits for that loop arrives late.
   */
  clientLoopDelayP99Ms: number;
  /** This process's CPU over the writes, in cores (1 = one core busy all the time). */
  clientCores: number;
  /** When the writes began and ended (performance.now()): the window other records are read for. */
  writesFrom: number;
  writesTo: number;
  firstError?: string;
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
  const receivedCounter = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const received = new Int32Array(receivedCounter);
  const input: ReceiverInput = {
    url: target.url,
    caPem: target.caPem,
    token: target.token,
    path: p.watchPath,
    watchers: p.watchers,
    capacity: Math.round((p.ratePerSecond * p.durationMs) / 1000) + 1,
    receivedCounter,
  };
  const thread = new Worker(RECEIVER, { workerData: input });
  const messages = new ReceiverMessages(thread);
  try {
    const opened = await messages.next();
    if (opened.type !== "opened") throw new Error(opened.type === "failed" ? opened.error : "watchers did not open");
    // Headers arrive as the store registers the watcher; a beat more lets the last ones settle.
    await sleep(200);
    const cpuBefore = process.cpuUsage();
    const writesStarted = performance.now();
    const writes = await openLoop(p.ratePerSecond, p.durationMs, async (seq) => {
      const name = `w-${seq}`;
      const body = p.body(p.namespace, name, { [SENT_ANNOTATION]: `${seq}@${sharedNowMs().toFixed(3)}` });
      const r = await api.send("POST", p.postPath, body);
      return r.status === 201 || `create ${name}: ${r.status} ${r.body.slice(0, 200)}`;
    });
    const writesTo = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    const clientCores = (cpu.user + cpu.system) / 1000 / (performance.now() - writesStarted);
    const expected = writes.ok * p.watchers;
    const total = (): number => Atomics.load(received, 0);
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
    thread.postMessage({ type: "stop" });
    const answer = await messages.next();
    if (answer.type !== "result") throw new Error("the watchers' thread answered no result");
    const r = answer.result;
    return {
      watchers: p.watchers,
      drainMs,
      written: writes.ok,
      writeErrors: writes.errors,
      expected,
      received: r.received,
      lost: Math.max(0, expected - r.received),
      duplicates: r.duplicates,
      errorEvents: r.errorEvents,
      otherEvents: r.otherEvents,
      endedEarly: r.endedEarly,
      latency: Samples.of(r.latencies),
      writeLatency: writes.latency,
      clientLoopDelayP99Ms: r.loopDelayP99Ms,
      clientCores,
      writesFrom: writesStarted,
      writesTo,
      firstError: writes.firstError ?? r.firstError,
    };
  } finally {
    await thread.terminate();
  }
}

/** The receiver thread's messages in order; an exit or error before the next one rejects. */
class ReceiverMessages {
  private readonly queue: ReceiverMessage[] = [];
  private waiting: { resolve: (m: ReceiverMessage) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(thread: Worker) {
    thread.on("message", (m: ReceiverMessage) => {
      if (this.waiting) {
        this.waiting.resolve(m);
        this.waiting = undefined;
      } else this.queue.push(m);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      this.waiting?.reject(e);
      this.waiting = undefined;
    };
    thread.on("error", fail);
    thread.on("exit", (code) => fail(new Error(`the watchers' thread exited (${code})`)));
  }

  next(): Promise<ReceiverMessage> {
    const m = this.queue.shift();
    if (m !== undefined) return Promise.resolve(m);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }
}
