// `npm run bench:api`: the API server's throughput and latency on workerd, driven directly (no
// wrangler dev proxy), timed on the client, against the floor of the same Worker -> Durable Object
// -> SQLite path with no API logic. Prints a table and writes it as JSON to bench/results/.
//
//   npm run bench:api -- [--runs N] [--concurrency N] [--tmp DIR] [--unbound] [--quick] [--sweep]
//                        [--phases creates,reads,latency,watch]   (all by default; reads need creates)
//                        [--watchers N]   (100 by default, the figure; fewer to see how p99 scales)
//                        [--gc]   (workerd traces its garbage collections: counted for each watch phase)
import { access, constants, mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LOCAL_V8_FLAGS, REPO_ROOT } from "../cli/local-control-plane.ts";
import { TRACE_GC_FLAG } from "./lib/gc-log.ts";
import { PHASES, type Phase, type PhaseDurations, type RunResult, runOnce } from "./lib/phases.ts";
import { renderTable, verdicts } from "./lib/report.ts";
import { sweep } from "./lib/sweep.ts";

// `--sweep` on the 2-core machine (creates/s, full API / floor): 8: 322 / 1063, 16: 576 / 1334,
// 32: 562 / 1868, 64: 720 / 1769, 128: 675 / 1425. The API peaks at 64 and the floor is within
// noise of its peak there; beyond it both only queue.
const DEFAULT_CONCURRENCY = 64;
const RATE = 200;
/** The watch target is for 100 watchers. */
const DEFAULT_WATCHERS = 100;

const FULL: PhaseDurations = {
  warmupMs: 2_000,
  throughputMs: 8_000,
  readMs: 5_000,
  latencyMs: 15_000,
  watchMs: 10_000,
};
// For checking the benchmark itself, not for quoting.
const QUICK: PhaseDurations = { warmupMs: 500, throughputMs: 2_000, readMs: 1_000, latencyMs: 3_000, watchMs: 3_000 };

/**
 * Where Durable Object state lives during the run. Local workerd commits every SQLite write to
 * disk, so on this machine's virtual disk both the API and the floor measure fsync latency (the
 * floor swung between ~120 and ~720 inserts/s from one run to the next). Durable Objects on
 * Cloudflare do not write to a local disk at all, so by default state goes to tmpfs when there is
 * one: the figures then measure the code path, and stay comparable between runs. `--tmp` overrides.
 */
async function stateRoot(requested: string | undefined): Promise<string> {
  if (requested !== undefined) return requested;
  try {
    await access("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

function positiveInt(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

function phaseSet(v: string | undefined): Set<Phase> {
  if (v === undefined) return new Set(PHASES);
  const picked = new Set<Phase>();
  for (const name of v.split(",")) {
    const phase = PHASES.find((p) => p === name.trim());
    if (phase === undefined) throw new Error(`--phases: unknown phase "${name}"; the phases are ${PHASES.join(", ")}`);
    picked.add(phase);
  }
  if (picked.has("reads") && !picked.has("creates")) throw new Error("--phases: reads get the pods creates made");
  return picked;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      concurrency: { type: "string" },
      tmp: { type: "string" },
      unbound: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      sweep: { type: "boolean", default: false },
      phases: { type: "string" },
      watchers: { type: "string" },
      gc: { type: "boolean", default: false },
    },
  });
  const log = (line: string): void => {
    // Closing the watch streams at the end of the watch phase is expected, not worth a backtrace.
    if (!/disconnected: operation canceled/.test(line)) console.log(line);
  };
  // Both workerds take their V8 flags from this variable when they start (a value set outside wins).
  if (values.gc)
    process.env.MINIFLARE_WORKERD_V8_FLAGS = `${process.env.MINIFLARE_WORKERD_V8_FLAGS ?? LOCAL_V8_FLAGS} ${TRACE_GC_FLAG}`;
  const tmpRoot = await stateRoot(values.tmp);
  log(`State under ${tmpRoot}`);
  if (values.sweep) {
    await sweep([8, 16, 32, 64, 128], 5_000, tmpRoot, log);
    return;
  }
  const phases = phaseSet(values.phases);
  const runs = positiveInt("runs", values.runs, 1);
  const concurrency = positiveInt("concurrency", values.concurrency, DEFAULT_CONCURRENCY);
  const watchers = positiveInt("watchers", values.watchers, DEFAULT_WATCHERS);
  const durations = values.quick ? QUICK : FULL;
  const results: RunResult[] = [];
  for (let i = 1; i <= runs; i++) {
    const started = performance.now();
    log(`Run ${i} of ${runs}`);
    const load = loadavg()[0] ?? 0;
    // The figures assume the cores are ours; on a shared machine they only get worse. (After the
    // first run the 1-minute average still holds the previous run's own load.)
    if (i === 1 && load > 1)
      log(`  note: load average ${load.toFixed(2)} on ${cpus().length} cores: something else is running`);
    const r = await runOnce({
      phases,
      concurrency,
      durations,
      rate: RATE,
      watchers,
      tmpRoot,
      unbound: values.unbound,
      gc: values.gc,
      log,
    });
    results.push(r);
    log(`Run ${i} took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    log(renderTable([r]));
    for (const e of r.errors) log(`  ${e.phase}: ${e.errors} failed requests; first: ${e.first ?? "?"}`);
    for (const [what, w] of [
      ["API", r.watch],
      ["floor", r.floorWatch],
    ] as const) {
      if (w.lost > 0 || w.duplicates > 0 || w.endedEarly > 0) {
        log(
          `  ${what} WATCH LOSS: ${w.lost} of ${w.expected} events never arrived, ` +
            `${w.duplicates} duplicates, ${w.endedEarly} streams ended early`,
        );
      }
    }
    log("");
  }
  if (runs > 1) {
    log(`Medians of ${runs} runs\n`);
    log(renderTable(results));
    log("");
  }
  const judged = verdicts(results);
  for (const v of judged) log(`${v.pass ? "PASS" : "MISS"}  ${v.target} (got ${v.median.toFixed(2)})`);

  const dir = join(REPO_ROOT, "bench", "results");
  await mkdir(dir, { recursive: true });
  const file = join(dir, `api-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  const meta = {
    node: process.version,
    cpus: cpus().length,
    quick: values.quick,
    unbound: values.unbound,
    tmpRoot,
  };
  await writeFile(file, `${JSON.stringify({ ...meta, durations, runs: results, verdicts: judged }, null, 2)}\n`);
  log(`\nWrote ${file}`);
  // A lost watch event is a correctness failure, not a slow figure.
  if (results.some((r) => r.watch.lost > 0 || r.watch.duplicates > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
