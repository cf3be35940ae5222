// A private containerd for tests, started the way the agent starts its own (ensureContainerd):
// its own root, state, socket and runc root under a temporary directory, pulling from the
// loopback registry over plain http, with the test images pushed there. Installs Debian's
// containerd, runc, busybox-static, CNI plugins, iptables and conntrack when missing and root; otherwise the
// tests say why they skip (in CI a missing prerequisite is a failure).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerdSettings } from "../../agent/runtime/cri/containerd-config.ts";
import { ensureContainerd, hasSysResource, stopContainerd } from "../../agent/runtime/cri/containerd-process.ts";
import { writeHostsFiles } from "../../agent/runtime/cri/registries.ts";
import { removeCgroupfsParent } from "../../agent/runtime/cri/runtime.ts";
import { busyboxAvailable, pushTestImages, type TestImage } from "./container-images.ts";
import { type LoopbackRegistry, startLoopbackRegistry } from "./wasm-fixtures.ts";

const PACKAGES = ["containerd", "runc", "busybox-static", "containernetworking-plugins", "iptables", "conntrack"];

export type TestContainerd =
  | {
      available: true;
      settings: ContainerdSettings;
      socket: string;
      registry: string;
      images: Record<TestImage, string>;
      stop: () => Promise<void>;
    }
  | { available: false; reason: string; stop: () => Promise<void> };

function missing(): string[] {
  const need: string[] = [];
  if (!existsSync("/usr/bin/containerd")) need.push("containerd");
  if (!existsSync("/usr/sbin/runc") && !existsSync("/usr/bin/runc")) need.push("runc");
  if (!busyboxAvailable()) need.push("busybox-static");
  if (!existsSync("/usr/lib/cni/bridge")) need.push("containernetworking-plugins");
  if (!existsSync("/usr/sbin/iptables")) need.push("iptables");
  if (!existsSync("/usr/sbin/conntrack")) need.push("conntrack");
  return need;
}

/** Installs what is missing when root on Debian; returns what is still missing. */
export function installContainerPackages(): string[] {
  let need = missing();
  if (need.length === 0 || process.getuid?.() !== 0 || !existsSync("/etc/debian_version")) return need;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env, timeout: 180_000 });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...PACKAGES], {
      stdio: "ignore",
      env,
      timeout: 300_000,
    });
  } catch {
    // reported below as still missing
  }
  need = missing();
  return need;
}

const none = async () => undefined;

export async function startTestContainerd(): Promise<TestContainerd> {
  if (process.getuid?.() !== 0) return { available: false, reason: "containerd tests need root", stop: none };
  const need = installContainerPackages();
  if (need.length > 0)
    return { available: false, reason: `missing ${need.join(", ")}: apt-get install ${need.join(" ")}`, stop: none };
  const registry: LoopbackRegistry = await startLoopbackRegistry();
  if (!registry.available) return { available: false, reason: registry.reason, stop: none };
  const images = await pushTestImages(registry.host);
  const base = mkdtempSync(join(tmpdir(), "kflare-ctd-"));
  const settings: ContainerdSettings = {
    layout: {
      root: join(base, "root"),
      state: join(base, "state"),
      socket: join(base, "containerd.sock"),
      runcRoot: join(base, "runc"),
      cniConfDir: join(base, "cni"),
      cniBinDir: "/usr/lib/cni",
      registryConfigDir: join(base, "certs.d"),
    },
    sandboxImage: images.pause,
    cgroupDriver: "cgroupfs",
    restrictOomScoreAdj: !(await hasSysResource()),
  };
  await writeHostsFiles(settings.layout.registryConfigDir, {
    mirrors: { [registry.host]: { endpoint: [`http://${registry.host}`] } },
    configs: {},
  });
  const running = await ensureContainerd(settings);
  return {
    available: true,
    settings,
    socket: running.socket,
    registry: registry.host,
    images,
    stop: async () => {
      await stopContainerd(settings);
      await registry.stop();
      // The pods' cgroup parent: gone, so the machine is as it was.
      await removeCgroupfsParent("/kubepods");
      // Snapshots are overlay mounts under root/: gone once their containers are removed.
      rmSync(base, { recursive: true, force: true });
    },
  };
}
