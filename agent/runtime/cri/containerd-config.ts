// The config of the containerd the agent runs itself (as k3s runs its own): its own root, state on
// tmpfs, socket and runc root, so it never touches a system containerd; and the CRI settings the
// agent owns: the CNI directories (the agent writes the conflist once it knows its podCIDR), the
// sandbox image, per-registry hosts (registries.ts) and the cgroup driver.

export type CgroupDriver = "cgroupfs" | "systemd";

export interface ContainerdLayout {
  /** Images and snapshots (persistent: under the agent's data dir). */
  root: string;
  /** Runtime state (tmpfs: /run/...). */
  state: string;
  /** The CRI gRPC socket. */
  socket: string;
  /** runc's own root, so several containerds on one machine do not share runc state. */
  runcRoot: string;
  /** CNI conflist directory and plugin binaries. */
  cniConfDir: string;
  cniBinDir: string;
  /** hosts.toml per registry (mirrors, plain http): containerd's `config_path`. */
  registryConfigDir: string;
}

export interface ContainerdSettings {
  layout: ContainerdLayout;
  sandboxImage: string;
  cgroupDriver: CgroupDriver;
  /**
   * Machines without CAP_SYS_RESOURCE (VMs, some containers) cannot give the sandbox its
   * oom_score_adj of -998; restricting it to the agent's own keeps sandboxes starting there.
   */
  restrictOomScoreAdj: boolean;
}

/** TOML strings: JSON's escaping is a subset TOML's basic strings accept. */
const str = (value: string) => JSON.stringify(value);

export function containerdConfig(settings: ContainerdSettings): string {
  const { layout } = settings;
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  return [
    "# Written by k-agent on every start; edits are overwritten.",
    "version = 2",
    `root = ${str(layout.root)}`,
    `state = ${str(layout.state)}`,
    "",
    // Warnings only: its log lives on tmpfs beside its state.
    "[debug]",
    '  level = "warn"',
    "[grpc]",
    `  address = ${str(layout.socket)}`,
    "[ttrpc]",
    `  address = ${str(`${layout.socket}.ttrpc`)}`,
    "",
    `${cri}]`,
    `  sandbox_image = ${str(settings.sandboxImage)}`,
    "  disable_apparmor = true",
    `  restrict_oom_score_adj = ${settings.restrictOomScoreAdj}`,
    `${cri}.containerd]`,
    '  default_runtime_name = "runc"',
    `${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `${cri}.containerd.runtimes.runc.options]`,
    `  SystemdCgroup = ${settings.cgroupDriver === "systemd"}`,
    `  Root = ${str(layout.runcRoot)}`,
    `${cri}.cni]`,
    `  bin_dir = ${str(layout.cniBinDir)}`,
    `  conf_dir = ${str(layout.cniConfDir)}`,
    `${cri}.registry]`,
    `  config_path = ${str(layout.registryConfigDir)}`,
    "",
  ].join("\n");
}

/**
 * The cgroup driver: systemd when the machine boots with systemd on cgroup v2 (Debian 12 and
 * Raspberry Pi OS today: one cgroup manager, as kubelet recommends), cgroupfs otherwise (cgroup
 * v1, or no systemd as in containers and these test machines).
 */
export function cgroupDriverFor(host: { cgroupV2: boolean; systemdIsInit: boolean }): CgroupDriver {
  return host.cgroupV2 && host.systemdIsInit ? "systemd" : "cgroupfs";
}

/**
 * The cgroup parent of a pod's sandbox, as kubelet names it per driver: a systemd slice
 * ("kubepods-pod<uid>.slice", dashes in the uid become underscores) or a cgroupfs path.
 */
export function podCgroupParent(driver: CgroupDriver, uid: string): string {
  if (driver === "systemd") return `kubepods-pod${uid.replaceAll("-", "_")}.slice`;
  return `/kubepods/pod${uid}`;
}
