// Which runtimes this node offers. As root: containers through the agent's own containerd (the
// default handler "runc"), and WebAssembly pods (handler "wasm"). Without root: WebAssembly pods
// only (containerd needs root), said plainly. Runtime state lives on tmpfs when there is one
// (/run), so nothing is written to the SD card while pods run; images and the pod network config
// (written once per podCIDR, needed to bring pods back offline after a reboot) stay on disk.

import { createHash } from "node:crypto";
import { join } from "node:path";
import type { ContainerdSettings } from "../runtime/cri/containerd-config.ts";
import { CONFLIST_NAME } from "../runtime/cri/pod-network.ts";
import { MultiRuntime } from "../runtime/multi.ts";
import type { ContainerRuntime } from "../runtime/types.ts";
import { WasmRuntime } from "../runtime/wasm/runtime.ts";
import { preflight } from "./preflight.ts";

export const DEFAULT_SANDBOX_IMAGE = "registry.k8s.io/pause:3.10";

export interface RuntimeOptions {
  /** Use this containerd socket instead of starting the agent's own. */
  containerdSocket?: string;
  /** The pod sandbox ("pause") image (default registry.k8s.io/pause:3.10). */
  sandboxImage?: string;
  /** Containers off: WebAssembly pods only, even as root. */
  wasmOnly?: boolean;
}

export interface NodeRuntime {
  runtime: ContainerRuntime;
  /** Sets up the pod network for the node's podCIDR (containers only). */
  podNetwork?: (podCIDR: string) => Promise<void>;
  /** Stops the agent's own containerd (k-agent reset), once its containers are gone. */
  shutdown?: () => Promise<void>;
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export function dataDirTag(dataDir: string): string {
  return createHash("sha256").update(dataDir).digest("hex").slice(0, 12);
}

/** Runtime state on tmpfs: /run for root, $XDG_RUNTIME_DIR otherwise, else under the data dir. */
export function runtimeStateDir(dataDir: string): string {
  const tag = dataDirTag(dataDir);
  if (isRoot()) return `/run/k-agent-${tag}`;
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg ? join(xdg, `k-agent-${tag}`) : join(dataDir, "run");
}

/** Where the agent's containerd keeps what, for this data dir. */
export function containerdLayout(dataDir: string): ContainerdSettings["layout"] {
  const run = runtimeStateDir(dataDir);
  return {
    root: join(dataDir, "containerd"),
    state: join(run, "containerd"),
    socket: join(run, "containerd", "containerd.sock"),
    runcRoot: join(run, "runc"),
    cniConfDir: join(dataDir, "cni", "net.d"),
    cniBinDir: "/usr/lib/cni",
    registryConfigDir: join(run, "certs.d"),
  };
}

/** Whether this agent will run containers (root, not --wasm-only). */
function runsContainers(options: RuntimeOptions): boolean {
  return !options.wasmOnly && (isRoot() || options.containerdSocket !== undefined);
}

/**
 * The host checks containers need, before anything is written (k-agent join runs them first, so a
 * machine that cannot run containers gets its fixes and no half-joined node). Warnings are logged;
 * fatal problems throw with every fix.
 */
export async function checkContainerHost(options: RuntimeOptions, log: (line: string) => void): Promise<void> {
  if (!runsContainers(options) || options.containerdSocket !== undefined) return;
  const problems = await preflight();
  for (const p of problems.filter((x) => !x.fatal)) log(`warning: ${p.problem}. Fix: ${p.fix}`);
  const fatal = problems.filter((p) => p.fatal);
  if (fatal.length > 0)
    throw new Error(
      `this machine cannot run containers yet:\n${fatal.map((p) => `  - ${p.problem}. Fix: ${p.fix}`).join("\n")}\n(or run WebAssembly pods only: --wasm-only)`,
    );
}

export async function createRuntime(
  dataDir: string,
  log: (line: string) => void,
  options: RuntimeOptions = {},
): Promise<NodeRuntime> {
  const stateDir = runtimeStateDir(dataDir);
  if (!isRoot() && options.containerdSocket === undefined) {
    log(
      "Not running as root: this node runs WebAssembly pods only (runtimeClassName: wasm); run as root for containers.",
    );
    return { runtime: new WasmRuntime({ stateDir }) };
  }
  if (options.wasmOnly) {
    log("--wasm-only: this node runs WebAssembly pods only (runtimeClassName: wasm).");
    return { runtime: new WasmRuntime({ stateDir }) };
  }
  // Loaded only when this node runs containers: gRPC, protobuf and YAML are a third of the agent's
  // idle memory, which a WebAssembly-only node (a small board) does not pay.
  const { containerRuntime } = await import("./container-runtime.ts");
  const containers = await containerRuntime(dataDir, options, log);
  // As root, WebAssembly pods get a namespace and an address of their own on the pods' CNI network.
  const layout = containerdLayout(dataDir);
  const wasm = new WasmRuntime({
    stateDir,
    ...(isRoot()
      ? { podNetwork: { conflistPath: join(layout.cniConfDir, CONFLIST_NAME), binDir: layout.cniBinDir } }
      : {}),
  });
  return { ...containers, runtime: new MultiRuntime([containers.runtime, wasm]) };
}
