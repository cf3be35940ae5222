// The results table: each figure per run, the median across runs, the issue's target and whether
// the median meets it.

import type { RunResult } from "./phases.ts";
import { median } from "./stats.ts";

interface Target {
  op: ">=" | "<=" | "==";
  value: number;
  text: string;
}

interface Row {
  label: (r: RunResult) => string;
  value: (r: RunResult) => number;
  digits: number;
  target?: Target;
  /** Judge the worst run rather than the median (losses: one lost event in any run is a miss). */
  worst?: boolean;
}

const ratio = (r: RunResult): number => r.apiCreatesPerSec / r.floorInsertsPerSec;

const ROWS: Row[] = [
  { label: () => "1-min load average at start (previous run's tail included)", value: (r) => r.loadAtStart, digits: 2 },
  { label: (r) => `full API creates/s (concurrency ${r.concurrency})`, value: (r) => r.apiCreatesPerSec, digits: 0 },
  { label: (r) => `floor inserts/s (concurrency ${r.concurrency})`, value: (r) => r.floorInsertsPerSec, digits: 0 },
  {
    label: () => "full API / floor creates",
    value: ratio,
    digits: 2,
    target: { op: ">=", value: 0.5, text: ">= 0.50" },
  },
  { label: () => "workerd CPU ms per full API create", value: (r) => r.apiCreateCpuMs, digits: 2 },
  { label: () => "workerd CPU ms per floor insert", value: (r) => r.floorInsertCpuMs, digits: 2 },
  { label: () => "gets/s", value: (r) => r.getsPerSec, digits: 0 },
  { label: () => "lists/s, 100 pods, JSON", value: (r) => r.listsJsonPerSec, digits: 0 },
  { label: () => "lists/s, 100 pods, Table (kubectl)", value: (r) => r.listsTablePerSec, digits: 0 },
  { label: () => "workerd CPU ms per get", value: (r) => r.getCpuMs, digits: 2 },
  { label: () => "workerd CPU ms per list, JSON", value: (r) => r.listJsonCpuMs, digits: 2 },
  { label: () => "workerd CPU ms per list, Table", value: (r) => r.listTableCpuMs, digits: 2 },
  { label: (r) => `create latency p50 at ${r.rate}/s (ms)`, value: (r) => r.createP50Ms, digits: 1 },
  {
    label: (r) => `create latency p99 at ${r.rate}/s (ms)`,
    value: (r) => r.createP99Ms,
    digits: 1,
    target: { op: "<=", value: 50, text: "<= 50" },
  },
  { label: (r) => `create latency max at ${r.rate}/s (ms)`, value: (r) => r.createMaxMs, digits: 1 },
  {
    label: (r) => `watch delivery p50, ${r.watch.watchers} watchers, ${r.rate} writes/s (ms)`,
    value: (r) => r.watch.p50Ms,
    digits: 1,
  },
  {
    label: (r) => `watch delivery p99, ${r.watch.watchers} watchers, ${r.rate} writes/s (ms)`,
    value: (r) => r.watch.p99Ms,
    digits: 1,
    target: { op: "<=", value: 50, text: "<= 50" },
  },
  { label: () => "watch delivery max (ms)", value: (r) => r.watch.maxMs, digits: 1 },
  { label: () => "the watched writes' own create p99 (ms)", value: (r) => r.watch.writeP99Ms, digits: 1 },
  { label: () => "bench watchers' event-loop delay p99 (ms)", value: (r) => r.watch.clientLoopDelayP99Ms, digits: 1 },
  { label: () => "bench client's CPU (cores)", value: (r) => r.watch.clientCores, digits: 2 },
  {
    label: () => "workerd CPU ms per watched write (fan-out included)",
    value: (r) => r.watch.cpuMsPerWrite,
    digits: 2,
  },
  { label: () => "workerd full GCs during the watched writes (--gc)", value: (r) => r.watch.fullGcs, digits: 0 },
  { label: () => "workerd's longest full GC pause then (ms)", value: (r) => r.watch.fullGcMaxMs, digits: 1 },
  { label: () => "workerd GC pauses then, all added up (ms)", value: (r) => r.watch.gcPauseMs, digits: 0 },
  { label: () => "floor watch delivery p50 (ms)", value: (r) => r.floorWatch.p50Ms, digits: 1 },
  { label: () => "floor watch delivery p99 (ms)", value: (r) => r.floorWatch.p99Ms, digits: 1 },
  { label: () => "the floor's watched writes' own insert p99 (ms)", value: (r) => r.floorWatch.writeP99Ms, digits: 1 },
  {
    label: () => "bench watchers' event-loop delay p99, floor (ms)",
    value: (r) => r.floorWatch.clientLoopDelayP99Ms,
    digits: 1,
  },
  { label: () => "floor workerd CPU ms per watched write", value: (r) => r.floorWatch.cpuMsPerWrite, digits: 2 },
  {
    label: () => "floor workerd full GCs during its watched writes (--gc)",
    value: (r) => r.floorWatch.fullGcs,
    digits: 0,
  },
  { label: () => "floor's longest full GC pause then (ms)", value: (r) => r.floorWatch.fullGcMaxMs, digits: 1 },
  { label: () => "watch backlog after the last write (ms)", value: (r) => r.watch.drainMs, digits: 0 },
  { label: () => "watch events expected (watchers x writes)", value: (r) => r.watch.expected, digits: 0 },
  { label: () => "watch events received", value: (r) => r.watch.received, digits: 0 },
  {
    label: () => "watch events lost (judged on the worst run)",
    value: (r) => r.watch.lost,
    digits: 0,
    target: { op: "==", value: 0, text: "0" },
    worst: true,
  },
];

function summary(row: Row, values: number[]): number {
  return row.worst ? Math.max(...values) : median(values);
}

function meets(t: Target, v: number): boolean {
  if (Number.isNaN(v)) return false;
  if (t.op === ">=") return v >= t.value;
  if (t.op === "<=") return v <= t.value;
  return v === t.value;
}

/** A phase left out with --phases has no figure in any run: it is not judged at all. */
function notRun(values: readonly number[]): boolean {
  return values.every((v) => Number.isNaN(v));
}

function result(t: Target, values: readonly number[], m: number): string {
  if (notRun(values)) return "not run";
  return meets(t, m) ? "PASS" : "MISS";
}

function fmt(v: number, digits: number): string {
  return Number.isNaN(v) ? "n/a" : v.toFixed(digits);
}

/** The table as text: one value column per run, a median column when there are several. */
export function renderTable(runs: readonly RunResult[]): string {
  const first = runs[0];
  if (first === undefined) return "(no runs)";
  const many = runs.length > 1;
  const head = ["metric", ...runs.map((_, i) => (many ? `run ${i + 1}` : "value"))];
  if (many) head.push("median");
  head.push("target", "result");
  const body = ROWS.map((row) => {
    const values = runs.map(row.value);
    const m = summary(row, values);
    const cells = [row.label(first), ...values.map((v) => fmt(v, row.digits))];
    if (many) cells.push(fmt(m, row.digits));
    cells.push(row.target?.text ?? "", row.target ? result(row.target, values, m) : "");
    return cells;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${"-".repeat(w + 1)}-` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(head), rule, ...body.map(line)].join("\n");
}

export interface Verdict {
  target: string;
  median: number;
  pass: boolean;
}

/** The targets of the phases that ran, with the median across runs and whether it meets them. */
export function verdicts(runs: readonly RunResult[]): Verdict[] {
  const first = runs[0];
  if (first === undefined) return [];
  return ROWS.filter((r) => r.target !== undefined && !notRun(runs.map(r.value))).map((row) => {
    const m = summary(row, runs.map(row.value));
    return { target: `${row.label(first)} ${row.target!.text}`, median: m, pass: meets(row.target!, m) };
  });
}
