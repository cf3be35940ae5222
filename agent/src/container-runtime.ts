// The container half of a node's runtime: the agent's own containerd (or one given by socket),
// registries.yaml as containerd hosts files, the CNI pod network, and how reset takes them down.
// Its own module so that runtimes.ts loads it (and gRPC, protobuf, YAML with it) only on nodes
// that run containers.

import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { type ContainerdSettings, cgroupDriverFor } from "../runtime/cri/containerd-config.ts";
import { ensureContainerd, hasSysResource, stopContainerd } from "../runtime/cri/containerd-process.ts";
import { bridgeName, writePodNetwork } from "../runtime/cri/pod-network.ts";
import { parseRegistries, writeHostsFiles } from "../runtime/cri/registries.ts";
import { CriRuntime, removeCgroupfsParent } from "../runtime/cri/runtime.ts";
import {
  checkContainerHost,
  containerdLayout,
  DEFAULT_SANDBOX_IMAGE,
  dataDirTag,
  type NodeRuntime,
  type RuntimeOptions,
  runtimeStateDir,
} from "./runtimes.ts";

async function hostCgroups(): Promise<{ cgroupV2: boolean; systemdIsInit: boolean }> {
  const controllers = await readFile("/sys/fs/cgroup/cgroup.controllers", "utf8").catch(() => undefined);
  const init = (await readFile("/proc/1/comm", "utf8").catch(() => "")).trim();
  return { cgroupV2: controllers !== undefined, systemdIsInit: init === "systemd" };
}

/** registries.yaml in the data dir (k3s keeps it in /etc/rancher/k3s/), as containerd hosts.toml files. */
async function registries(dataDir: string, dir: string): Promise<void> {
  const path = join(dataDir, "registries.yaml");
  const text = await readFile(path, "utf8").catch(() => undefined);
  await writeHostsFiles(dir, text === undefined ? { mirrors: {}, configs: {} } : parseRegistries(text, path));
}

export async function containerRuntime(
  dataDir: string,
  options: RuntimeOptions,
  log: (line: string) => void,
): Promise<Omit<NodeRuntime, "runtime"> & { runtime: CriRuntime }> {
  const layout = containerdLayout(dataDir);
  const cgroupDriver = cgroupDriverFor(await hostCgroups());
  if (options.containerdSocket !== undefined)
    return { runtime: new CriRuntime({ socket: options.containerdSocket, cgroupDriver }) };
  await checkContainerHost(options, log);
  await registries(dataDir, layout.registryConfigDir);
  const settings: ContainerdSettings = {
    layout,
    sandboxImage: options.sandboxImage ?? DEFAULT_SANDBOX_IMAGE,
    cgroupDriver,
    restrictOomScoreAdj: !(await hasSysResource()),
  };
  const running = await ensureContainerd(settings);
  log(`${running.started ? "started" : "adopted"} containerd (pid ${running.pid}, ${layout.socket})`);
  const tag = dataDirTag(dataDir);
  const network = {
    confDir: layout.cniConfDir,
    ipamDir: join(runtimeStateDir(dataDir), "cni-ipam"),
    bridge: bridgeName(tag),
  };
  return {
    runtime: new CriRuntime({ socket: running.socket, cgroupDriver }),
    podNetwork: async (podCIDR) => {
      if (await writePodNetwork(podCIDR, network)) log(`pod network: ${podCIDR} on bridge ${network.bridge}`);
    },
    shutdown: async () => {
      await stopContainerd(settings);
      // The bridge the CNI plugin made (gone with its namespace in tests; here it outlives pods).
      await new Promise((resolve) => execFile("ip", ["link", "delete", network.bridge], () => resolve(undefined)));
      // The pods' cgroup parent, when no other agent's pods are in it (rmdir fails on a non-empty one).
      if (cgroupDriver === "cgroupfs") await removeCgroupfsParent("/kubepods");
      await rm(runtimeStateDir(dataDir), { recursive: true, force: true });
    },
  };
}
