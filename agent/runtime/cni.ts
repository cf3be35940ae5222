// Runs a CNI network configuration list as a container runtime does (what libcni does inside
// containerd): ADD calls each plugin in order, handing each the previous plugin's result; DEL calls
// them in reverse. Plugins are executables in the CNI bin dir, told what to do by CNI_* variables
// and the plugin's configuration on stdin, answering a JSON result (or a JSON error) on stdout.
// For runtimes with no CNI of their own (WebAssembly pods); containerd runs the same conflist itself.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface CniOptions {
  /** The conflist file (containerd's conf_dir holds the same one). */
  conflistPath: string;
  /** Where the plugin executables are (CNI_PATH). */
  binDir: string;
  /** How long one plugin may take (default 30 s). */
  timeoutMs?: number;
  /** Words before each plugin (tests run the chain inside a network namespace of their own). */
  commandPrefix?: readonly string[];
}

export interface CniAttachment {
  /** CNI_CONTAINERID: the sandbox's id. */
  containerId: string;
  /** CNI_NETNS: the namespace's path; "" on DEL when it is gone (plugins then free what they can). */
  netns: string;
  /** Runtime config for plugins that declare the capability (portmap's portMappings). */
  portMappings?: { hostPort: number; containerPort: number; protocol: string; hostIP?: string }[];
}

interface Conflist {
  cniVersion: string;
  name: string;
  plugins: { type: string; capabilities?: Record<string, boolean>; [key: string]: unknown }[];
}

/** A plugin failed; the message is the plugin's own (`msg` and `details` of its error JSON). */
export class CniError extends Error {}

const IFNAME = "eth0";

/** Runs ADD; returns the first IPv4 address the chain gave the namespace's interface. */
export async function cniAdd(options: CniOptions, attachment: CniAttachment): Promise<string> {
  const list = await readConflist(options.conflistPath);
  let prevResult: unknown;
  for (const plugin of list.plugins) {
    const out = await runPlugin(options, "ADD", attachment, pluginConfig(list, plugin, attachment, prevResult));
    if (out.trim() !== "") prevResult = JSON.parse(out);
  }
  const ip = firstIPv4(prevResult);
  if (ip === undefined) throw new CniError(`the CNI chain ${list.name} gave the pod no IPv4 address`);
  return ip;
}

/** Runs DEL, last plugin first. Plugins treat a second DEL as done, so a retry is safe. */
export async function cniDel(options: CniOptions, attachment: CniAttachment): Promise<void> {
  const list = await readConflist(options.conflistPath);
  for (const plugin of [...list.plugins].reverse())
    await runPlugin(options, "DEL", attachment, pluginConfig(list, plugin, attachment, undefined));
}

async function readConflist(path: string): Promise<Conflist> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new CniError(`the node's pod network is not set up yet (no ${path}): the node has no podCIDR yet`);
  }
  const list = JSON.parse(text) as Conflist;
  if (!Array.isArray(list.plugins) || list.plugins.length === 0) throw new CniError(`${path} lists no plugins`);
  return list;
}

function pluginConfig(
  list: Conflist,
  plugin: Conflist["plugins"][number],
  attachment: CniAttachment,
  prevResult: unknown,
): object {
  return {
    ...plugin,
    cniVersion: list.cniVersion,
    name: list.name,
    ...(prevResult !== undefined ? { prevResult } : {}),
    ...(plugin.capabilities?.portMappings && attachment.portMappings?.length
      ? { runtimeConfig: { portMappings: attachment.portMappings } }
      : {}),
  };
}

function runPlugin(options: CniOptions, command: "ADD" | "DEL", attachment: CniAttachment, config: object) {
  const type = (config as { type: string }).type;
  return new Promise<string>((resolve, reject) => {
    const [file, ...args] = [...(options.commandPrefix ?? []), join(options.binDir, type)];
    const child = spawn(file ?? type, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        CNI_COMMAND: command,
        CNI_CONTAINERID: attachment.containerId,
        CNI_NETNS: attachment.netns,
        CNI_IFNAME: IFNAME,
        CNI_PATH: options.binDir,
      },
      timeout: options.timeoutMs ?? 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", (err) => reject(new CniError(`CNI plugin ${type} could not run: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolve(stdout);
      reject(new CniError(`CNI plugin ${type} ${command} failed: ${pluginError(stdout, stderr, code, signal)}`));
    });
    child.stdin.end(JSON.stringify(config));
  });
}

/** The plugin's error JSON ({code, msg, details}) as text, else whatever it printed. */
function pluginError(stdout: string, stderr: string, code: number | null, signal: NodeJS.Signals | null): string {
  try {
    const err = JSON.parse(stdout) as { msg?: string; details?: string };
    if (err.msg) return err.details ? `${err.msg}: ${err.details}` : err.msg;
  } catch {
    // not JSON
  }
  const text = `${stdout}${stderr}`.trim();
  return text || (signal ? `killed by ${signal}` : `exit code ${code}`);
}

/** The first IPv4 address of a CNI result (`ips[].address` is a CIDR such as 10.42.0.5/24). */
export function firstIPv4(result: unknown): string | undefined {
  const ips = (result as { ips?: { address?: string }[] } | undefined)?.ips ?? [];
  for (const ip of ips) {
    const address = ip.address?.split("/")[0];
    if (address !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(address)) return address;
  }
  return undefined;
}
