// The table judges the phases that ran, and only those: a phase left out with --phases is "not
// run", not a miss, and a phase that ran is judged on its median.
import { describe, expect, it } from "vitest";
import { type RunResult, skippedWatch } from "./phases.ts";
import { renderTable, verdicts } from "./report.ts";

const n = Number.NaN;

/** A run of the watch phase alone, as `--phases watch` leaves the others' figures. */
function watchOnly(p99Ms: number, lost: number): RunResult {
  const watch = {
    ...skippedWatch(100),
    p50Ms: 10,
    p99Ms,
    maxMs: 90,
    cpuMsPerWrite: 4,
    written: 2000,
    expected: 200_000,
  };
  return {
    loadAtStart: 0.5,
    concurrency: 64,
    apiCreatesPerSec: n,
    floorInsertsPerSec: n,
    getsPerSec: n,
    listsJsonPerSec: n,
    listsTablePerSec: n,
    apiCreateCpuMs: n,
    floorInsertCpuMs: n,
    getCpuMs: n,
    listJsonCpuMs: n,
    listTableCpuMs: n,
    rate: 200,
    createP50Ms: n,
    createP99Ms: n,
    createMaxMs: n,
    createMaxSendLagMs: n,
    watch: { ...watch, received: 200_000 - lost, lost, duplicates: 0, errorEvents: 0, otherEvents: 0, endedEarly: 0 },
    floorWatch: skippedWatch(100),
    errors: [],
  };
}

/** A row's target and result cells. */
function judgedCells(table: string, label: string): string[] {
  const row = table.split("\n").find((l) => l.startsWith(`| ${label}`));
  if (row === undefined) throw new Error(`no row ${label}`);
  const cells = row
    .split("|")
    .map((c) => c.trim())
    .slice(1, -1);
  return cells.slice(-2);
}

describe("bench report", () => {
  it("judges only the phases that ran, on the median of the runs", () => {
    const runs = [watchOnly(40, 0), watchOnly(70, 0), watchOnly(45, 0)];
    expect(verdicts(runs).map((v) => [v.target, v.median, v.pass])).toEqual([
      ["watch delivery p99, 100 watchers, 200 writes/s (ms) <= 50", 45, true],
      ["watch events lost (judged on the worst run) 0", 0, true],
    ]);
    const table = renderTable(runs);
    expect(judgedCells(table, "full API / floor creates")).toEqual([">= 0.50", "not run"]);
    expect(judgedCells(table, "create latency p99")).toEqual(["<= 50", "not run"]);
    expect(judgedCells(table, "watch delivery p99")).toEqual(["<= 50", "PASS"]);
  });

  it("misses a target when the median misses it, and a loss in any run", () => {
    const judged = verdicts([watchOnly(60, 0), watchOnly(70, 3), watchOnly(40, 0)]);
    expect(judged.map((v) => [v.median, v.pass])).toEqual([
      [60, false],
      [3, false],
    ]);
  });
});
