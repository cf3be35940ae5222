// The node's pod network, as containerd's CRI plugin runs it: one CNI conflist (bridge + host-local
// IPAM + portmap + loopback) over the node's podCIDR from the control plane's node IPAM. Pods get
// their own addresses on a bridge of this agent's (the bridge is the gateway), reach each other on
// the node and publish hostPorts through portmap. They leave the node masqueraded by the service
// proxy's one node-level rule (proxy/rules.ts), not by the bridge's ipMasq, which adds a chain per
// pod at each start. Written once the podCIDR is known; rewritten only when it changes (no idle
// writes).
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface PodNetworkOptions {
  /** containerd's CNI conf_dir. */
  confDir: string;
  /** host-local's allocations (tmpfs: they die with the pods at a reboot). */
  ipamDir: string;
  /** The bridge device; per agent, so several agents on one machine do not share one. */
  bridge: string;
}

export const CONFLIST_NAME = "10-kflare.conflist";

/** The first usable address of an IPv4 CIDR is the gateway, as host-local picks it. */
export function conflist(podCIDR: string, options: PodNetworkOptions): object {
  return {
    cniVersion: "1.0.0",
    name: "kflare-pods",
    plugins: [
      {
        type: "bridge",
        bridge: options.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          dataDir: options.ipamDir,
          ranges: [[{ subnet: podCIDR }]],
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
      { type: "loopback" },
    ],
  };
}

/** Bridge names are at most 15 bytes: "kf" and a tag of the agent's data dir. */
export function bridgeName(tag: string): string {
  return `kf${tag}`.slice(0, 15);
}

/** Writes the conflist for `podCIDR` when it differs from what is there; returns whether it wrote. */
export async function writePodNetwork(podCIDR: string, options: PodNetworkOptions): Promise<boolean> {
  const path = join(options.confDir, CONFLIST_NAME);
  const text = `${JSON.stringify(conflist(podCIDR, options), null, 2)}\n`;
  if ((await readFile(path, "utf8").catch(() => "")) === text) return false;
  await mkdir(options.confDir, { recursive: true });
  await mkdir(options.ipamDir, { recursive: true });
  // containerd watches the directory: it must never see half a file.
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
  return true;
}
