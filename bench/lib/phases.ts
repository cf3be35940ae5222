// One benchmark run: a fresh control plane and floor, then each measurement as its own phase,
// warm-up excluded, every phase in namespaces of its own.
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, startControlPlane } from "../../cli/local-control-plane.ts";
import { readWorkerConfig } from "../../cli/wrangler-config.ts";
import { childWorkerds, withCpu } from "./cpu.ts";
import { startFloor } from "./floor.ts";
import { GcLog, type GcSummary } from "./gc-log.ts";
import { Client } from "./http.ts";
import { closedLoop, type LatencyResult, openLoop, type ThroughputResult } from "./load.ts";
import { BENCH_NODE, createNamespace, createPods, type PodBody, podBody, podsPath } from "./pods.ts";
import { apiWatchPath, measureWatch, type WatchResult } from "./watch.ts";

export interface PhaseDurations {
  warmupMs: number;
  throughputMs: number;
  readMs: number;
  latencyMs: number;
  watchMs: number;
}

/** The measurements a run can make; `--phases` picks some (reads need creates' pods). */
export const PHASES = ["creates", "reads", "latency", "watch"] as const;
export type Phase = (typeof PHASES)[number];

export interface RunOptions {
  /** The phases to run; the others' figures are NaN (printed n/a). */
  phases: ReadonlySet<Phase>;
  concurrency: number;
  durations: PhaseDurations;
  rate: number;
  watchers: number;
  /** Where the run's temporary data directory goes (see stateRoot in api.ts). */
  tmpRoot: string;
  /** Leave pods unbound (the scheduler then works on every one); default: bound to BENCH_NODE. */
  unbound: boolean;
  /** workerd prints V8's GC trace (api.ts adds the flag): count the collections of each watch phase. */
  gc: boolean;
  log: (line: string) => void;
}

export interface PhaseErrors {
  phase: string;
  errors: number;
  first?: string;
}

export interface RunResult {
  /** 1-minute load average when the run started: above ~1 something else was using the cores. */
  loadAtStart: number;
  concurrency: number;
  apiCreatesPerSec: number;
  floorInsertsPerSec: number;
  getsPerSec: number;
  listsJsonPerSec: number;
  listsTablePerSec: number;
  /** workerd CPU ms per request (both processes' threads), from /proc; NaN elsewhere. */
  apiCreateCpuMs: number;
  floorInsertCpuMs: number;
  getCpuMs: number;
  listJsonCpuMs: number;
  listTableCpuMs: number;
  rate: number;
  createP50Ms: number;
  createP99Ms: number;
  createMaxMs: number;
  /** How late the open-loop sender itself fired at worst: large values mean the client saturated. */
  createMaxSendLagMs: number;
  watch: WatchSummary;
  floorWatch: WatchSummary;
  errors: PhaseErrors[];
}

export interface WatchSummary {
  watchers: number;
  drainMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The watched writes' own p99 (each create's round trip): the write path's share of delivery's tail. */
  writeP99Ms: number;
  clientLoopDelayP99Ms: number;
  clientCores: number;
  /** workerd CPU ms per pod written, its fan-out to every watcher included. */
  cpuMsPerWrite: number;
  /** workerd's garbage collections during the writes (--gc; NaN otherwise). */
  fullGcs: number;
  fullGcMaxMs: number;
  gcPauseMs: number;
  written: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  errorEvents: number;
  otherEvents: number;
  endedEarly: number;
}

const UNTRACED: GcSummary = { fullGcs: Number.NaN, fullGcMaxMs: Number.NaN, pauseTotalMs: Number.NaN };

function summarise(w: WatchResult, cpuMs: number, gc: GcLog | undefined): WatchSummary {
  const { latency, writeLatency, writeErrors: _e, firstError: _f, writesFrom, writesTo, ...counts } = w;
  const collections = gc?.between(writesFrom, writesTo) ?? UNTRACED;
  return {
    ...counts,
    fullGcs: collections.fullGcs,
    fullGcMaxMs: collections.fullGcMaxMs,
    gcPauseMs: collections.pauseTotalMs,
    p50Ms: latency.quantile(0.5),
    p99Ms: latency.quantile(0.99),
    maxMs: latency.max(),
    writeP99Ms: writeLatency.quantile(0.99),
    cpuMsPerWrite: cpuMs / Math.max(1, w.written),
  };
}

/** kubectl get's Accept header (reference/kubectl/KUBECTL-WIRE.md). */
const TABLE_ACCEPT =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/** Turns the API and the floor take in the creates phase (see there). */
const CREATE_SLICES = 4;

type Measured = ThroughputResult & { cpuMsPerOp: number };

/** Slices of one closed-loop measurement taken apart, as one. */
function combine(slices: readonly Measured[]): Measured {
  let ok = 0;
  let errors = 0;
  let seconds = 0;
  let cpuMs = 0;
  for (const s of slices) {
    ok += s.ok;
    errors += s.errors;
    seconds += s.seconds;
    cpuMs += s.cpuMsPerOp * Math.max(1, s.ok + s.errors);
  }
  const firstError = slices.find((s) => s.firstError !== undefined)?.firstError;
  return { ok, errors, seconds, perSecond: ok / seconds, cpuMsPerOp: cpuMs / Math.max(1, ok + errors), firstError };
}

/** The figures of a phase not run. */
const SKIPPED: Measured = {
  ok: 0,
  errors: 0,
  seconds: 0,
  perSecond: Number.NaN,
  cpuMsPerOp: Number.NaN,
};

/** A watch phase not run: no figure at all, so that its targets are not judged (report.ts). */
export function skippedWatch(watchers: number): WatchSummary {
  const n = Number.NaN;
  return {
    watchers,
    drainMs: n,
    p50Ms: n,
    p99Ms: n,
    maxMs: n,
    writeP99Ms: n,
    clientLoopDelayP99Ms: n,
    clientCores: n,
    cpuMsPerWrite: n,
    fullGcs: n,
    fullGcMaxMs: n,
    gcPauseMs: n,
    written: n,
    expected: n,
    received: n,
    lost: n,
    duplicates: n,
    errorEvents: n,
    otherEvents: n,
    endedEarly: n,
  };
}

const check =
  (expect: number, what: string) =>
  (r: { status: number; body: string }): true | string =>
    r.status === expect || `${what}: ${r.status} ${r.body.slice(0, 200)}`;

export async function runOnce(opts: RunOptions): Promise<RunResult> {
  const { concurrency, durations: d, log } = opts;
  const nodeName = opts.unbound ? undefined : BENCH_NODE;
  const body: PodBody = (ns, name, annotations) => podBody(ns, name, { annotations, nodeName });
  const dataDir = await mkdtemp(join(opts.tmpRoot, "kflare-bench-"));
  const errors: PhaseErrors[] = [];
  const note = (phase: string, r: { errors: number; firstError?: string }): void => {
    if (r.errors > 0) errors.push({ phase, errors: r.errors, first: r.firstError });
  };
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  // Trace lines are counted, not printed: a run has thousands.
  const apiGc = opts.gc ? new GcLog() : undefined;
  const floorGc = opts.gc ? new GcLog() : undefined;
  const cp = await startControlPlane({
    dataDir,
    port: 0,
    log: (l) => apiGc?.observe(l) || log(`  [control plane] ${l}`),
  });
  const apiPids = await childWorkerds();
  let floor: Awaited<ReturnType<typeof startFloor>> | undefined;
  const clients: Client[] = [];
  try {
    const config = await readWorkerConfig(join(REPO_ROOT, "wrangler.toml"), join(dataDir, "wrangler-config.json"));
    floor = await startFloor(
      join(dataDir, "pki"),
      join(dataDir, "floor"),
      config,
      cp.caPem,
      (l) => floorGc?.observe(l) || log(`  [floor] ${l}`),
    );
    const floorPids = (await childWorkerds()).filter((p) => !apiPids.includes(p));
    const api = new Client({ url: cp.url, caPem: cp.caPem, token: cp.adminToken }, concurrency);
    const cpuPer = async (pids: number[], fn: () => Promise<ThroughputResult>) => {
      const { result, cpuMs } = await withCpu(pids, fn);
      return { ...result, cpuMsPerOp: cpuMs / Math.max(1, result.ok + result.errors) };
    };
    const floorClient = new Client({ url: floor.url, caPem: cp.caPem }, concurrency);
    // The open-loop phases must never queue behind a connection limit: that would hide latency.
    const openApi = new Client(api.target, 1024);
    clients.push(api, floorClient, openApi);
    for (const ns of ["bench-warm", "bench-create", "bench-list", "bench-lat", "bench-watch"])
      await createNamespace(api, ns);

    const creates = (client: Client, ns: string, prefix: string, created?: string[]) => async (seq: number) => {
      const name = `${prefix}${seq}`;
      const r = await client.send("POST", podsPath(ns), body(ns, name));
      if (r.status === 201) created?.push(name);
      return check(201, `create ${name}`)(r);
    };
    log(`  warm-up (${d.warmupMs} ms each)`);
    await closedLoop(concurrency, d.warmupMs, creates(api, "bench-warm", "w-"));
    await closedLoop(concurrency, d.warmupMs, creates(floorClient, "floor", "w-"));
    await closedLoop(concurrency, d.warmupMs / 2, async () =>
      check(200, "list")(await api.send("GET", `${podsPath("bench-warm")}?limit=100`)),
    );

    const created: string[] = [];
    let apiCreates = SKIPPED;
    let floorInserts = SKIPPED;
    if (opts.phases.has("creates")) {
      log(`  creates, concurrency ${concurrency}`);
      // The two take turns in short slices, so that a machine whose speed drifts during the phase
      // (this one's does, by a third within a minute) slows both alike and the ratio stays fair.
      const apiSlices: Measured[] = [];
      const floorSlices: Measured[] = [];
      const sliceMs = d.throughputMs / CREATE_SLICES;
      for (let i = 0; i < CREATE_SLICES; i++) {
        apiSlices.push(
          await cpuPer(apiPids, () =>
            closedLoop(concurrency, sliceMs, creates(api, "bench-create", `c${i}-`, created)),
          ),
        );
        floorSlices.push(
          await cpuPer(floorPids, () => closedLoop(concurrency, sliceMs, creates(floorClient, "floor", `c${i}-`))),
        );
      }
      apiCreates = combine(apiSlices);
      note("full API creates", apiCreates);
      floorInserts = combine(floorSlices);
      note("floor inserts", floorInserts);
      if (created.length === 0) throw new Error(`no pod could be created: ${apiCreates.firstError ?? "?"}`);
    }

    let gets = SKIPPED;
    let listsJson = SKIPPED;
    let listsTable = SKIPPED;
    if (opts.phases.has("reads")) {
      log(`  gets of ${created.length} pods`);
      gets = await cpuPer(apiPids, () =>
        closedLoop(concurrency, d.readMs, async (seq) => {
          const name = created[(seq * 7919) % created.length]!;
          return check(200, `get ${name}`)(await api.send("GET", podsPath("bench-create", name)));
        }),
      );
      note("gets", gets);

      log("  lists of 100 pods");
      await createPods(api, body, "bench-list", "l-", 100, concurrency);
      const list = (accept: string, field: "items" | "rows") =>
        cpuPer(apiPids, () =>
          closedLoop(concurrency, d.readMs, async () => {
            const r = await api.send("GET", `${podsPath("bench-list")}?limit=100`, undefined, { accept });
            if (r.status !== 200) return check(200, "list")(r);
            // A full page, not an empty or truncated one (lists run at ~10^2/s: parsing costs little).
            const n = (JSON.parse(r.body) as Record<string, unknown[] | undefined>)[field]?.length;
            return n === 100 || `list answered ${n ?? "no"} ${field}`;
          }),
        );
      listsJson = await list("application/json", "items");
      note("lists (JSON)", listsJson);
      listsTable = await list(TABLE_ACCEPT, "rows");
      note("lists (Table)", listsTable);
    }

    let latency: LatencyResult | undefined;
    if (opts.phases.has("latency")) {
      log(`  create latency at ${opts.rate}/s for ${d.latencyMs} ms`);
      latency = await openLoop(opts.rate, d.latencyMs, async (seq) =>
        check(201, "create")(await openApi.send("POST", podsPath("bench-lat"), body("bench-lat", `l-${seq}`))),
      );
      note("create latency", latency);
    }

    let watch = skippedWatch(opts.watchers);
    let floorWatch = skippedWatch(opts.watchers);
    if (opts.phases.has("watch")) {
      log(`  watch delivery: ${opts.watchers} watchers, writes at ${opts.rate}/s for ${d.watchMs} ms`);
      const watchPhase = {
        watchers: opts.watchers,
        ratePerSecond: opts.rate,
        durationMs: d.watchMs,
        stallMs: 3_000,
        maxDrainMs: 60_000,
        body,
      };
      const apiRun = await withCpu(apiPids, async () =>
        measureWatch(openApi, {
          ...watchPhase,
          namespace: "bench-watch",
          watchPath: await apiWatchPath(openApi, "bench-watch"),
          postPath: podsPath("bench-watch"),
        }),
      );
      watch = summarise(apiRun.result, apiRun.cpuMs, apiGc);
      log("  watch delivery, floor");
      const floorOpen = new Client(floorClient.target, 1024);
      clients.push(floorOpen);
      const floorRun = await withCpu(floorPids, () =>
        measureWatch(floorOpen, { ...watchPhase, namespace: "floor", watchPath: "/?watch=true", postPath: "/" }),
      );
      floorWatch = summarise(floorRun.result, floorRun.cpuMs, floorGc);
      note("watch writes", {
        errors: apiRun.result.writeErrors + apiRun.result.errorEvents,
        firstError: apiRun.result.firstError,
      });
      note("floor watch writes", {
        errors: floorRun.result.writeErrors + floorRun.result.errorEvents,
        firstError: floorRun.result.firstError,
      });
    }

    return {
      loadAtStart,
      concurrency,
      apiCreatesPerSec: apiCreates.perSecond,
      floorInsertsPerSec: floorInserts.perSecond,
      getsPerSec: gets.perSecond,
      listsJsonPerSec: listsJson.perSecond,
      listsTablePerSec: listsTable.perSecond,
      apiCreateCpuMs: apiCreates.cpuMsPerOp,
      floorInsertCpuMs: floorInserts.cpuMsPerOp,
      getCpuMs: gets.cpuMsPerOp,
      listJsonCpuMs: listsJson.cpuMsPerOp,
      listTableCpuMs: listsTable.cpuMsPerOp,
      rate: opts.rate,
      createP50Ms: latency?.latency.quantile(0.5) ?? Number.NaN,
      createP99Ms: latency?.latency.quantile(0.99) ?? Number.NaN,
      createMaxMs: latency?.latency.max() ?? Number.NaN,
      createMaxSendLagMs: latency?.maxSendLagMs ?? Number.NaN,
      watch,
      floorWatch,
      errors,
    };
  } finally {
    for (const c of clients) c.close();
    await floor?.stop().catch(() => {});
    await cp.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}
