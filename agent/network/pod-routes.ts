// Routes to other nodes' pods, flannel's host-gw way: for every other node whose address is on a
// network this node is directly attached to, `<its podCIDR> via <its address>`. Nodes behind a
// router or another NAT are left out (said once each): pod traffic between them is out of scope.
// The routes carry their own protocol number, so the agent finds and removes only its own.

import { type CommandOptions, runChecked, runCommand } from "../proxy/command.ts";

/** The `proto` of kflare's routes (an otherwise unused number; iproute2 prints it as 250). */
export const ROUTE_PROTO = "250";

export interface NodeRoute {
  name: string;
  podCIDR: string;
  address: string;
}

export interface RouteSync {
  installed: string[];
  removed: string[];
  /** Nodes whose address is not on this node's networks: their pods are not reachable by route. */
  unreachable: string[];
}

/** Whether the kernel reaches `address` without a gateway (same LAN). */
async function onLink(address: string, options: CommandOptions): Promise<boolean> {
  const r = await runCommand("ip", ["-o", "route", "get", address], options);
  return r.code === 0 && !/\svia\s/.test(r.stdout) && !/\sdev lo\s/.test(r.stdout);
}

/** kflare's routes now: podCIDR -> gateway. */
async function currentRoutes(options: CommandOptions): Promise<Map<string, string>> {
  const out = await runChecked("ip", ["-o", "route", "show", "proto", ROUTE_PROTO], options);
  const routes = new Map<string, string>();
  for (const line of out.split("\n")) {
    const m = /^(\S+) via (\S+)/.exec(line.trim());
    if (m) routes.set(m[1]!, m[2]!);
  }
  return routes;
}

export async function syncPodRoutes(
  nodes: readonly NodeRoute[],
  self: string,
  options: CommandOptions = {},
): Promise<RouteSync> {
  const want = new Map<string, string>();
  const unreachable: string[] = [];
  for (const n of nodes) {
    if (n.name === self) continue;
    if (await onLink(n.address, options)) want.set(n.podCIDR, n.address);
    else unreachable.push(n.name);
  }
  const have = await currentRoutes(options);
  const installed: string[] = [];
  const removed: string[] = [];
  for (const [cidr, via] of want) {
    if (have.get(cidr) === via) continue;
    await runChecked("ip", ["route", "replace", cidr, "via", via, "proto", ROUTE_PROTO], options);
    installed.push(`${cidr} via ${via}`);
  }
  for (const [cidr] of have) {
    if (want.has(cidr)) continue;
    await runChecked("ip", ["route", "del", cidr, "proto", ROUTE_PROTO], options);
    removed.push(cidr);
  }
  return { installed, removed, unreachable };
}

/** `k-agent reset`: every route the agent made goes. */
export async function removePodRoutes(options: CommandOptions = {}): Promise<void> {
  await runCommand("ip", ["route", "flush", "proto", ROUTE_PROTO], options);
}
