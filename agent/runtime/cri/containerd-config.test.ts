// The generated containerd settings: cgroup v2 with systemd (Debian 12, Raspberry Pi OS) and v1
// with cgroupfs (these test machines, which run v1 end to end) are checked here, as text.
import { describe, expect, test } from "vitest";
import { cgroupDriverFor, containerdConfig, podCgroupParent } from "./containerd-config.ts";

const layout = {
  root: "/home/pi/.k-agent/containerd",
  state: "/run/k-agent-abc/containerd",
  socket: "/run/k-agent-abc/containerd/containerd.sock",
  runcRoot: "/run/k-agent-abc/runc",
  cniConfDir: "/home/pi/.k-agent/cni/net.d",
  cniBinDir: "/usr/lib/cni",
  registryConfigDir: "/home/pi/.k-agent/registries.d",
};

describe("containerd config", () => {
  test("its own root, state on tmpfs, socket and runc root; CNI, sandbox image and registries from the agent", () => {
    const toml = containerdConfig({
      layout,
      sandboxImage: "registry.k8s.io/pause:3.10",
      cgroupDriver: "cgroupfs",
      restrictOomScoreAdj: false,
    });
    expect(toml).toContain('root = "/home/pi/.k-agent/containerd"');
    expect(toml).toContain('state = "/run/k-agent-abc/containerd"');
    expect(toml).toMatch(/\[grpc\]\n {2}address = "\/run\/k-agent-abc\/containerd\/containerd.sock"/);
    expect(toml).toContain('sandbox_image = "registry.k8s.io/pause:3.10"');
    expect(toml).toContain('Root = "/run/k-agent-abc/runc"');
    expect(toml).toContain('conf_dir = "/home/pi/.k-agent/cni/net.d"');
    expect(toml).toContain('bin_dir = "/usr/lib/cni"');
    expect(toml).toContain('config_path = "/home/pi/.k-agent/registries.d"');
    expect(toml).toContain("restrict_oom_score_adj = false");
    expect(toml).toContain("SystemdCgroup = false");
  });

  test("cgroup v2 under systemd: the systemd driver, and pod parents are slices", () => {
    const driver = cgroupDriverFor({ cgroupV2: true, systemdIsInit: true });
    expect(driver).toBe("systemd");
    const toml = containerdConfig({ layout, sandboxImage: "p", cgroupDriver: driver, restrictOomScoreAdj: true });
    expect(toml).toContain("SystemdCgroup = true");
    expect(toml).toContain("restrict_oom_score_adj = true");
    expect(podCgroupParent(driver, "0f1e-22")).toBe("kubepods-pod0f1e_22.slice");
  });

  test("cgroup v1, or no systemd: cgroupfs paths", () => {
    expect(cgroupDriverFor({ cgroupV2: false, systemdIsInit: true })).toBe("cgroupfs");
    expect(cgroupDriverFor({ cgroupV2: true, systemdIsInit: false })).toBe("cgroupfs");
    expect(podCgroupParent("cgroupfs", "0f1e-22")).toBe("/kubepods/pod0f1e-22");
  });

  test("paths with quotes or backslashes stay valid TOML strings", () => {
    const toml = containerdConfig({
      layout: { ...layout, root: '/data/odd "dir"\\x' },
      sandboxImage: "p",
      cgroupDriver: "cgroupfs",
      restrictOomScoreAdj: false,
    });
    expect(toml).toContain('root = "/data/odd \\"dir\\"\\\\x"');
  });
});
