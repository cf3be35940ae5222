// CPU time of the workerd processes this benchmark started, from /proc (Linux). On a shared,
// noisy machine the requests/s move with whatever else runs; the CPU milliseconds workerd spends
// per request barely do, so they are reported beside the rates (and say where a gap comes from).
import { readdir, readFile } from "node:fs/promises";

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, in ms. */
  cpuMs: number;
}

async function stat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    // comm is parenthesised and may hold spaces; the fields after it are space-separated.
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const f = text.slice(close + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]);
    return { pid, ppid: Number(f[1]), comm, cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** The workerd processes whose parent is this process (Miniflare spawns them directly). */
export async function childWorkerds(): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const stats = await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map((e) => stat(Number(e))));
  return stats.filter((s) => s?.ppid === process.pid && s.comm === "workerd").map((s) => s!.pid);
}

/** CPU ms used so far by the given processes together; NaN when /proc is not there. */
export async function cpuMs(pids: readonly number[]): Promise<number> {
  if (pids.length === 0) return Number.NaN;
  const stats = await Promise.all(pids.map(stat));
  return stats.reduce((sum, s) => sum + (s?.cpuMs ?? Number.NaN), 0);
}

/** Runs `fn` and answers its result with the CPU ms the processes spent meanwhile. */
export async function withCpu<T>(pids: readonly number[], fn: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = await cpuMs(pids);
  const result = await fn();
  return { result, cpuMs: (await cpuMs(pids)) - before };
}
