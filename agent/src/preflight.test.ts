import { describe, expect, test } from "vitest";
import { type PreflightHost, preflight } from "./preflight.ts";

/** A host whose files and binaries are given. */
const host = (files: Record<string, string>, binaries: string[], iptablesRuns = true): PreflightHost => ({
  readFile: async (path) => files[path],
  exists: async (path) => path in files || Object.keys(files).some((f) => f.startsWith(`${path}/`)),
  binary: (name) => (binaries.includes(name) ? `/usr/bin/${name}` : undefined),
  runs: async () => iptablesRuns,
});

const V1_CGROUPS = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t1\t1\nmemory\t4\t49\t1\n";
const READY = ["containerd", "runc", "nsenter", "unshare", "conntrack"];
const healthy = {
  "/proc/cgroups": V1_CGROUPS,
  "/usr/lib/cni/bridge": "",
  "/proc/sys/net/bridge/bridge-nf-call-iptables": "1",
};

describe("preflight", () => {
  test("a ready machine (cgroup v1) has no problems", async () => {
    expect(await preflight(host(healthy, READY))).toEqual([]);
  });

  test("cgroup v2 without the memory controller (Raspberry Pi OS's default) names cgroup_enable=memory", async () => {
    const problems = await preflight(
      host({ ...healthy, "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io pids" }, READY),
    );
    expect(problems).toEqual([
      expect.objectContaining({ fatal: true, fix: expect.stringContaining("cgroup_enable=memory") }),
    ]);
  });

  test("cgroup v1 with memory disabled is refused the same way", async () => {
    const problems = await preflight(
      host({ ...healthy, "/proc/cgroups": V1_CGROUPS.replace("memory\t4\t49\t1", "memory\t0\t1\t0") }, READY),
    );
    expect(problems.map((p) => p.problem)).toEqual([expect.stringContaining("memory cgroup controller is disabled")]);
  });

  test("each missing piece is named with its fix; util-linux's namespace tools, conntrack and br_netfilter only warn", async () => {
    const problems = await preflight(host({ "/proc/cgroups": V1_CGROUPS }, ["runc", "nsenter"], false));
    expect(problems.map((p) => [p.fatal, p.fix])).toEqual([
      [true, "apt-get install containerd runc containernetworking-plugins iptables"],
      [true, "apt-get install containernetworking-plugins"],
      [true, "apt-get install iptables"],
      [false, "apt-get install util-linux"],
      [false, "apt-get install conntrack"],
      [false, expect.stringContaining("br_netfilter")],
    ]);
    expect(problems[0]?.problem).toBe("containerd not found");
    expect(problems[3]?.problem).toMatch(/^unshare not found: WebAssembly pods cannot get network namespaces/);
  });
});
