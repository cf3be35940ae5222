// What a node needs before it can run containers, checked by effect (never by lsmod or modprobe:
// built-in modules do not show there): each problem names its fix. Containers cannot run without
// the fatal ones; the warnings say what will not work.
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { findBinary } from "../runtime/cri/containerd-process.ts";

export interface PreflightProblem {
  fatal: boolean;
  problem: string;
  fix: string;
}

/** Where the checks read; tests point them at fixtures. */
export interface PreflightHost {
  readFile: (path: string) => Promise<string | undefined>;
  exists: (path: string) => Promise<boolean>;
  binary: (name: string) => string | undefined;
  runs: (command: string, args: string[]) => Promise<boolean>;
}

export const systemHost: PreflightHost = {
  readFile: (path) => readFile(path, "utf8").catch(() => undefined),
  exists: (path) =>
    stat(path).then(
      () => true,
      () => false,
    ),
  binary: findBinary,
  runs: (command, args) =>
    new Promise((resolve) => execFile(command, args, { timeout: 10_000 }, (error) => resolve(!error))),
};

/** The memory controller is usable: cgroup v2 lists it in cgroup.controllers, v1 marks it enabled. */
export async function memoryControllerEnabled(host: PreflightHost): Promise<boolean> {
  const v2 = await host.readFile("/sys/fs/cgroup/cgroup.controllers");
  if (v2 !== undefined) return v2.split(/\s+/).includes("memory");
  const v1 = await host.readFile("/proc/cgroups");
  return (v1 ?? "").split("\n").some((line) => {
    const [name, , , enabled] = line.split(/\s+/);
    return name === "memory" && enabled === "1";
  });
}

export async function preflight(host: PreflightHost = systemHost): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  const missing = ["containerd", "runc"].filter((b) => host.binary(b) === undefined);
  if (missing.length > 0)
    problems.push({
      fatal: true,
      problem: `${missing.join(" and ")} not found`,
      fix: "apt-get install containerd runc containernetworking-plugins iptables",
    });
  if (!(await host.exists("/usr/lib/cni/bridge")) && !(await host.exists("/opt/cni/bin/bridge")))
    problems.push({
      fatal: true,
      problem: "the CNI plugins (bridge, host-local, portmap, loopback) are not installed",
      fix: "apt-get install containernetworking-plugins",
    });
  if (!(await memoryControllerEnabled(host)))
    problems.push({
      fatal: true,
      problem: "the memory cgroup controller is disabled (memory limits cannot be enforced)",
      fix: "add `cgroup_enable=memory cgroup_memory=1` to the kernel command line (/boot/firmware/cmdline.txt on Raspberry Pi OS) and reboot",
    });
  if (!(await host.runs("iptables", ["-S", "FORWARD"])))
    problems.push({
      fatal: true,
      problem: "iptables does not run (pods cannot publish hostPorts or reach the outside)",
      fix: "apt-get install iptables",
    });
  const namespaceTools = ["nsenter", "unshare"].filter((b) => host.binary(b) === undefined);
  if (namespaceTools.length > 0)
    problems.push({
      fatal: false,
      problem: `${namespaceTools.join(" and ")} not found: WebAssembly pods cannot get network namespaces of their own, and port-forward cannot reach a server on a pod's own loopback`,
      fix: "apt-get install util-linux",
    });
  if (host.binary("conntrack") === undefined)
    problems.push({
      fatal: false,
      problem:
        "conntrack not found: when a UDP Service's endpoint goes, its clients (DNS among them) keep sending to it until they fall silent",
      fix: "apt-get install conntrack",
    });
  if (!(await host.exists("/proc/sys/net/bridge")))
    problems.push({
      fatal: false,
      problem:
        "bridged traffic does not pass iptables (/proc/sys/net/bridge is missing): Services will not route between pods of this node",
      fix: "echo br_netfilter > /etc/modules-load.d/k-agent.conf && modprobe br_netfilter",
    });
  return problems;
}
