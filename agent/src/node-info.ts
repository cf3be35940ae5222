// What the node reports about itself when it registers and afterwards: the standard labels,
// capacity and allocatable (what the system keeps for itself subtracted), addresses, nodeInfo and
// conditions, and the runtime handlers it offers (the scheduler places RuntimeClasses by them).

import { readFile, statfs } from "node:fs/promises";
import { availableParallelism, hostname, networkInterfaces, release, totalmem } from "node:os";

export const AGENT_VERSION = "0.1.0";
const KUBELET_VERSION = `v1.35.0-k-agent.${AGENT_VERSION}`;

const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", riscv64: "riscv64" };

export function defaultNodeName(): string {
  return (
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, "-")
      .replace(/^[-.]+|[-.]+$/g, "") || "node"
  );
}

export function nodeLabels(name: string): Record<string, string> {
  return {
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": ARCH[process.arch] ?? process.arch,
  };
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return undefined;
  }
}

async function osImage(): Promise<string> {
  const text = (await readText("/etc/os-release")) ?? "";
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? "Linux";
}

export function internalIp(): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    // The pod bridges (kflare's kf<tag>, a CNI default's cni0) are the pods' gateway, not the node's address.
    if (/^(kf|cni)/.test(name)) continue;
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

/** Memory the system keeps: 10% up to 512 MiB (kubelet's system-reserved + eviction threshold, simply). */
export function reservedMemoryBytes(total: number): number {
  return Math.min(512 * 1024 * 1024, Math.floor(total * 0.1));
}

export interface NodeReport {
  labels: Record<string, string>;
  status: Record<string, unknown>;
  taints?: { key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }[];
}

/** Nodes offering only the wasm handler keep other pods away; the wasm RuntimeClass tolerates it. */
export const WASM_ONLY_TAINT = { key: "kflare.dev/wasm-only", value: "true", effect: "NoSchedule" as const };

export async function nodeReport(opts: {
  name: string;
  dataDir: string;
  runtimeHandlers: readonly string[];
  runtimeVersion: string;
  now: number;
  address?: string;
}): Promise<NodeReport> {
  const cpus = availableParallelism();
  const mem = totalmem();
  let disk = 0;
  try {
    const s = await statfs(opts.dataDir);
    disk = s.blocks * s.bsize;
  } catch {
    // An unknown disk size is reported as 0: the scheduler then ignores ephemeral storage.
  }
  const ki = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;
  const capacity = { cpu: String(cpus), memory: ki(mem), pods: "110", "ephemeral-storage": ki(disk) };
  const allocatable = {
    cpu: `${Math.max(100, cpus * 1000 - 100)}m`,
    memory: ki(mem - reservedMemoryBytes(mem)),
    pods: "110",
    "ephemeral-storage": ki(Math.floor(disk * 0.9)),
  };
  const t = `${new Date(opts.now).toISOString().slice(0, 19)}Z`;
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: t,
    lastTransitionTime: t,
  });
  const ip = opts.address ?? internalIp();
  const wasmOnly = opts.runtimeHandlers.length > 0 && opts.runtimeHandlers.every((h) => h === "wasm");
  return {
    labels: nodeLabels(opts.name),
    ...(wasmOnly ? { taints: [WASM_ONLY_TAINT] } : {}),
    status: {
      capacity,
      allocatable,
      conditions: [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "k-agent has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "k-agent has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "k-agent has sufficient PID available"),
        cond("Ready", "True", "KubeletReady", "k-agent is posting ready status"),
      ],
      addresses: [...(ip ? [{ type: "InternalIP", address: ip }] : []), { type: "Hostname", address: opts.name }],
      nodeInfo: {
        machineID: (await readText("/etc/machine-id")) ?? "",
        systemUUID: "",
        bootID: (await readText("/proc/sys/kernel/random/boot_id")) ?? "",
        kernelVersion: release(),
        osImage: await osImage(),
        containerRuntimeVersion: opts.runtimeVersion,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: "",
        operatingSystem: "linux",
        architecture: ARCH[process.arch] ?? process.arch,
      },
      runtimeHandlers: opts.runtimeHandlers.map((name) => ({
        name,
        features: { recursiveReadOnlyMounts: false, userNamespaces: false },
      })),
    },
  };
}
