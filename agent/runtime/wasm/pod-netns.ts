// A WebAssembly pod's own network namespace, when the agent is root: what the pause container is for
// a containerd pod. A holder process (`unshare --net sleep infinity`, detached like a guest) keeps
// the namespace alive between container starts and across agent restarts; the node's CNI chain gives
// it an interface on the pod bridge and an address from the podCIDR; guests are started in it with
// `nsenter --net=/proc/<holder>/ns/net`. Nothing is mounted: when the holder and the guests are gone,
// so is the namespace, and CNI DEL has freed the address and the host's rules.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { type CniOptions, cniAdd, cniDel } from "../cni.ts";
import type { PortMapping } from "../types.ts";
import { isGuestAlive, processStartTime, signalGuest, waitForGuestExit } from "./guest-process.ts";

/** The holder, as recorded with the sandbox (pid + start time: pids get reused). */
export interface NetnsHolder {
  pid: number;
  startTime: string | undefined;
}

/** The node's CNI chain; its commandPrefix also comes before the holder's command. */
export type PodNetnsOptions = CniOptions;

/** The holder's namespace, as /proc shows it (valid while the holder lives). */
const procNetns = (holder: NetnsHolder) => `/proc/${holder.pid}/ns/net`;

/** The namespace's path while its holder lives, else undefined. */
export function netnsPath(holder: NetnsHolder): string | undefined {
  return isGuestAlive(holder.pid, holder.startTime) ? procNetns(holder) : undefined;
}

/** Words that run a command inside the holder's namespace (nsenter execs it: the pid stays the guest's). */
export function inNetns(holder: NetnsHolder): string[] {
  return ["nsenter", `--net=${procNetns(holder)}`];
}

/** Creates the namespace and attaches it to the pod network; returns the holder and the pod's IP. */
export async function addPodNetns(
  options: PodNetnsOptions,
  sandboxId: string,
  portMappings: readonly PortMapping[],
): Promise<{ holder: NetnsHolder; ip: string }> {
  const holder = await startHolder(options.commandPrefix ?? []);
  const attachment = {
    containerId: sandboxId,
    netns: procNetns(holder),
    portMappings: mappings(portMappings),
  };
  try {
    return { holder, ip: await cniAdd(options, attachment) };
  } catch (error) {
    // Nothing half made is left: DEL frees what ADD did, then the namespace goes with its holder.
    await cniDel(options, attachment).catch(() => undefined);
    await stopHolder(holder);
    throw error;
  }
}

/**
 * Detaches the namespace from the pod network (address, veth, portmap and masquerade rules), then
 * ends it. Without the network's options (a reset that could not load them) it only ends it.
 */
export async function removePodNetns(
  options: PodNetnsOptions | undefined,
  sandboxId: string,
  holder: NetnsHolder,
  portMappings: readonly PortMapping[],
): Promise<void> {
  try {
    if (options !== undefined)
      await cniDel(options, {
        containerId: sandboxId,
        netns: netnsPath(holder) ?? "",
        portMappings: mappings(portMappings),
      });
  } finally {
    await stopHolder(holder);
  }
}

function mappings(portMappings: readonly PortMapping[]) {
  return portMappings
    .filter((p) => p.hostPort !== undefined && p.hostPort > 0)
    .map((p) => ({
      hostPort: p.hostPort as number,
      containerPort: p.containerPort,
      protocol: p.protocol.toLowerCase(),
      ...(p.hostIP ? { hostIP: p.hostIP } : {}),
    }));
}

async function startHolder(prefix: readonly string[]): Promise<NetnsHolder> {
  const [command, ...args] = [...prefix, "unshare", "--net", "sleep", "infinity"];
  const env = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
  const child = spawn(command ?? "unshare", args, { detached: true, stdio: "ignore", env, cwd: "/" });
  const failed = new Promise<Error>((resolve) => child.once("error", resolve));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start the pod's network namespace: ${(await failed).message}`);
  child.unref();
  // unshare execs sleep once the namespace is made: wait for that, or for unshare failing.
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if ((await comm(pid)) === "sleep") return { pid, startTime: processStartTime(pid) };
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5))]);
  }
  signalGuest(pid, "SIGKILL");
  throw new Error(
    `cannot create the pod's network namespace (unshare --net ${child.exitCode === null ? "did not start in time" : `exited with ${child.exitCode}`})`,
  );
}

async function stopHolder(holder: NetnsHolder): Promise<void> {
  if (!isGuestAlive(holder.pid, holder.startTime)) return;
  signalGuest(holder.pid, "SIGKILL");
  await waitForGuestExit(holder.pid, holder.startTime, 5_000);
}

async function comm(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")).trim();
}
