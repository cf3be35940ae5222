// Guest processes: one detached Node process per container running runner.mjs. Detached means its
// own session and process group (setsid), so it outlives the agent and a stop signals the whole
// group. Its stdout and stderr are the container's log file, opened here and handed over, so the
// agent is not in the output path at all. A later agent finds it again by pid, and makes sure the
// pid is still the same process by its start time in /proc/<pid>/stat (pids get reused).
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

export interface SpawnGuestOptions {
  /** The Node binary (default: the one running the agent). */
  nodePath: string;
  runnerPath: string;
  runConfigPath: string;
  logPath: string;
  memoryCapPages: number;
  /**
   * Words put before the node command, e.g. ["ip", "netns", "exec", "<netns>"] to run the guest in
   * the pod's network namespace (they must exec node in the same process, as `ip netns exec` does).
   */
  commandPrefix?: readonly string[];
}

export interface SpawnedGuest {
  pid: number;
  startTime: string | undefined;
  child: ChildProcess;
}

export function spawnGuest(options: SpawnGuestOptions): SpawnedGuest {
  mkdirSync(dirname(options.logPath), { recursive: true });
  const log = openSync(options.logPath, "a", 0o640);
  let child: ChildProcess;
  try {
    const argv = [
      options.nodePath,
      `--wasm-max-mem-pages=${options.memoryCapPages}`,
      options.runnerPath,
      options.runConfigPath,
    ];
    const [command, ...args] = [...(options.commandPrefix ?? []), ...argv];
    // An empty environment: the agent's own (tokens, proxies) is none of the guest's business;
    // the guest's env comes from the run config.
    child = spawn(command ?? options.nodePath, args, {
      detached: true,
      stdio: ["ignore", log, log],
      env: {},
      cwd: "/",
    });
  } finally {
    closeSync(log);
  }
  if (child.pid === undefined) {
    // spawn reports ENOENT and the like asynchronously; there is no process to wait for.
    child.on("error", () => {});
    throw new Error(`cannot start ${options.nodePath}`);
  }
  child.unref();
  return { pid: child.pid, startTime: processStartTime(child.pid), child };
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined without /proc. */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** The fields of /proc/<pid>/stat after the command name ("S", ppid, ...), or undefined. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is still our guest: it exists, is not a zombie (an exited child whose parent,
 * possibly init after an agent restart, has not reaped it yet), and started when we recorded.
 */
export function isGuestAlive(pid: number, startTime: string | undefined): boolean {
  const stat = procStat(pid);
  if (stat !== undefined) {
    if (stat[0] === "Z" || stat[0] === "X") return false;
    return startTime === undefined || stat[19] === startTime;
  }
  // No /proc (not Linux): the pid alone has to do.
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Signals the guest's whole process group (the runner and the io worker it started). */
export function signalGuest(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Resolves true once the guest is gone, false if it is still alive after `timeoutMs`. */
export async function waitForGuestExit(
  pid: number,
  startTime: string | undefined,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isGuestAlive(pid, startTime)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** Resident memory of a process in bytes (VmRSS), for metrics and tests. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}
