// The containerd the agent runs (as k3s does): started detached in its own session so it, and the
// containers its shims keep, outlive an agent restart; the next agent finds it by its pid file and
// socket and adopts it instead of starting another.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { type ContainerdSettings, containerdConfig } from "./containerd-config.ts";

export interface ContainerdProcessOptions extends ContainerdSettings {
  /** The containerd binary (default: found on PATH as `containerd`). */
  binary?: string;
  /** Words before the command, e.g. ["ip", "netns", "exec", name] for tests in a network namespace. */
  commandPrefix?: readonly string[];
  /** How long to wait for the socket (default 20 s). */
  readyTimeoutMs?: number;
}

export const INSTALL_HINT =
  "containerd and runc are not installed: run `apt-get install containerd runc containernetworking-plugins iptables` (or use --containerd <socket> for one you run)";

/** Where the config, pid file and log live: beside the state, on tmpfs. */
function files(options: ContainerdSettings) {
  const base = options.layout.state;
  return {
    config: join(base, "containerd.toml"),
    pid: join(base, "containerd.pid"),
    log: join(base, "containerd.log"),
  };
}

/** The binary on PATH, or undefined. */
export function findBinary(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Whether something accepts connections on the unix socket. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function runningPid(pidFile: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return cmdline.includes("containerd") ? pid : undefined;
}

export interface RunningContainerd {
  pid: number;
  socket: string;
  /** True when this call started it; false when an earlier agent's was adopted. */
  started: boolean;
}

/**
 * Ensures the agent's containerd runs: adopts the one its pid file names when it answers on its
 * socket, else writes the config and starts one. Throws with the fix when it cannot.
 */
export async function ensureContainerd(options: ContainerdProcessOptions): Promise<RunningContainerd> {
  const { layout } = options;
  const paths = files(options);
  const existing = await runningPid(paths.pid);
  if (existing !== undefined && (await socketAnswers(layout.socket)))
    return { pid: existing, socket: layout.socket, started: false };

  const binary = options.binary ?? findBinary("containerd");
  if (binary === undefined || findBinary("runc") === undefined) throw new Error(INSTALL_HINT);
  for (const dir of [layout.root, layout.state, layout.runcRoot, layout.cniConfDir, layout.registryConfigDir])
    await mkdir(dir, { recursive: true, mode: 0o700 });
  await mkdir(dirname(layout.socket), { recursive: true });
  await writeFile(paths.config, containerdConfig(options), { mode: 0o600 });

  const log = openSync(paths.log, "a", 0o600);
  let child: ChildProcess;
  try {
    const argv = [...(options.commandPrefix ?? []), binary, "--config", paths.config];
    child = spawn(argv[0] ?? binary, argv.slice(1), { detached: true, stdio: ["ignore", log, log] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(-1));
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${binary}`);
  await writeFile(paths.pid, `${pid}\n`);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  let gone: number | null | undefined;
  void exited.then((code) => {
    gone = code;
  });
  while (Date.now() < deadline) {
    if (gone !== undefined) break;
    if (await socketAnswers(layout.socket)) return { pid, socket: layout.socket, started: true };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const tail = (await readFile(paths.log, "utf8").catch(() => "")).trim().split("\n").slice(-5).join("\n");
  if (gone === undefined) process.kill(pid, "SIGTERM");
  throw new Error(
    `containerd ${gone === undefined ? "did not open its socket in time" : `exited (code ${gone})`}; its log (${paths.log}) ends:\n${tail}`,
  );
}

/** Stops the agent's containerd (k-agent reset); its containers' shims are stopped by the caller first. */
export async function stopContainerd(options: ContainerdSettings, timeoutMs = 10_000): Promise<void> {
  const pid = await runningPid(files(options).pid);
  if (pid === undefined) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

/** Whether this process may set a negative oom_score_adj (CAP_SYS_RESOURCE, bit 24 of CapEff). */
export async function hasSysResource(): Promise<boolean> {
  const status = await readFile("/proc/self/status", "utf8").catch(() => "");
  const hex = /CapEff:\s+([0-9a-f]+)/.exec(status)?.[1];
  return hex !== undefined && (BigInt(`0x${hex}`) & (1n << 24n)) !== 0n;
}
