// Where the CPU of a benchmark phase goes, by process: utime + stime from /proc/<pid>/stat before
// and after, for every process on the machine, named by what it runs (workerd, the agent, a
// forwarder...). Linux only; the clock tick is 100 Hz on every Linux this runs on.

import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10;

export type CpuSnapshot = Map<number, { label: string; ticks: number; threads: Map<number, number> }>;

function label(pid: number, comm: string): string {
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return comm;
  }
  if (pid === process.pid) return "bench (its forwarders)";
  for (const [pattern, name] of [
    [/k-agent\.mjs/, "k-agent"],
    [/netns-forward\.mjs/, "netns forwarder"],
    [/net-load\.mjs/, "load generator"],
    [/workerd/, "workerd"],
    [/containerd-shim/, "containerd-shim"],
    [/containerd/, "containerd"],
  ] as const)
    if (pattern.test(cmdline)) return name;
  return comm;
}

function ticksOf(statText: string): number {
  const fields = statText.slice(statText.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Each thread's CPU: a process whose busiest thread is near 100% is serialised there. */
function threadTicks(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try {
        out.set(Number(t), ticksOf(readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8")));
      } catch {
        // The thread ended.
      }
    }
  } catch {
    // The process ended.
  }
  return out;
}

export function cpuSnapshot(): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // comm is in parentheses and may hold spaces: the fields after it are fixed.
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      out.set(pid, { label: label(pid, comm), ticks, threads: threadTicks(pid) });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return out;
}

export interface CpuSpent {
  label: string;
  ms: number;
  /** The busiest single thread's share of it. */
  busiestThreadMs: number;
}

/** CPU milliseconds spent between two snapshots, summed by label, most first. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuSpent[] {
  const sums = new Map<string, CpuSpent>();
  for (const [pid, now] of after) {
    const then = before.get(pid);
    const ms = (now.ticks - (then?.ticks ?? 0)) * TICK_MS;
    if (ms <= 0) continue;
    let busiest = 0;
    for (const [tid, ticks] of now.threads)
      busiest = Math.max(busiest, (ticks - (then?.threads.get(tid) ?? 0)) * TICK_MS);
    const sum = sums.get(now.label) ?? { label: now.label, ms: 0, busiestThreadMs: 0 };
    sum.ms += ms;
    sum.busiestThreadMs = Math.max(sum.busiestThreadMs, busiest);
    sums.set(now.label, sum);
  }
  return [...sums.values()].sort((a, b) => b.ms - a.ms);
}
