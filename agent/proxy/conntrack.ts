// Stale UDP flows, which kube-proxy clears and the iptables rules alone cannot: conntrack keeps a
// UDP "connection" alive for as long as packets keep coming (a DNS client reuses its socket, a game
// or VoIP client sends every few seconds), and every packet of it keeps going where the first one
// was DNATed. When that endpoint goes (its pod deleted, rescheduled, no longer ready), the client
// keeps sending into the void until it falls silent for conntrack's timeout. And a flow that began
// while a Service had no endpoint was never DNATed at all, so it stays unanswered once one appears.
//
// After each sync the proxy lists the node's UDP flows and deletes every flow addressed to a UDP
// service frontend (ClusterIP, external IP or NodePort) whose reply does not come from one of the
// port's current endpoints: both cases above, and what changed while the agent was down (it is
// the state that is compared, as kube-proxy's own cleanup now does, not the last change).
import { isIPv4 } from "node:net";
import { CommandError, type CommandOptions, runCommand } from "./command.ts";
import { endpointsForPort, serviceKey, slicesByService, usableEndpoints } from "./endpoints.ts";
import type { ProxyInput } from "./types.ts";

/** A UDP flow as `conntrack -L` shows it: the original direction, and where the replies come from. */
export interface UdpFlow {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** The reply's source: the endpoint the flow was DNATed to, or `dst` when it was not. */
  replySrc: string;
  replySport: number;
}

/** Where one UDP service port is addressed, and where its traffic may go. */
export interface UdpServicePort {
  /** ip:port pairs it answers on (ClusterIP, external IPs). */
  frontends: string[];
  nodePort: number | undefined;
  /** ip:port of its usable endpoints. */
  endpoints: Set<string>;
}

/** The UDP ports of the cluster's Services, as the proxy rules program them. */
export function udpServicePorts(input: ProxyInput): UdpServicePort[] {
  const slices = slicesByService(input.endpointSlices);
  const out: UdpServicePort[] = [];
  for (const service of input.services) {
    const spec = service.spec ?? {};
    const type = spec.type ?? "ClusterIP";
    if (type === "ExternalName" || !spec.clusterIP || !isIPv4(spec.clusterIP)) continue;
    for (const port of spec.ports ?? []) {
      if ((port.protocol ?? "TCP") !== "UDP") continue;
      const ips = [spec.clusterIP, ...(spec.externalIPs ?? []).filter((ip) => isIPv4(ip))];
      const endpoints = usableEndpoints(endpointsForPort(port, slices.get(serviceKey(service)) ?? [], input.nodeName));
      out.push({
        frontends: ips.map((ip) => `${ip}:${port.port}`),
        nodePort: type === "NodePort" || type === "LoadBalancer" ? port.nodePort : undefined,
        endpoints: new Set(endpoints.map((e) => `${e.ip}:${e.port}`)),
      });
    }
  }
  return out;
}

/**
 * Parses `conntrack -L -p udp` output: `udp 17 29 src=A dst=B sport=1 dport=2 [UNREPLIED] src=C
 * dst=D sport=3 dport=4 ...`; the first tuple is the original direction, the second the reply.
 */
export function parseUdpFlows(text: string): UdpFlow[] {
  const flows: UdpFlow[] = [];
  for (const line of text.split("\n")) {
    if (!/^(ipv4\s+\d+\s+)?udp\s/.test(line)) continue;
    const value = (key: string, nth: number): string | undefined =>
      [...line.matchAll(new RegExp(`\\b${key}=(\\S+)`, "g"))][nth]?.[1];
    const [src, dst, sport, dport] = ["src", "dst", "sport", "dport"].map((k) => value(k, 0));
    const [replySrc, replySport] = [value("src", 1), value("sport", 1)];
    if (!src || !dst || !sport || !dport || !replySrc || !replySport) continue;
    flows.push({ src, dst, sport: Number(sport), dport: Number(dport), replySrc, replySport: Number(replySport) });
  }
  return flows;
}

/**
 * The flows to delete: addressed to a UDP service frontend (a NodePort on one of `nodeAddresses`,
 * or on any address when none are given) whose replies come from no current endpoint of its port.
 */
export function staleUdpFlows(flows: UdpFlow[], ports: UdpServicePort[], nodeAddresses: string[]): UdpFlow[] {
  const byFrontend = new Map<string, Set<string>[]>();
  const byNodePort = new Map<number, Set<string>[]>();
  for (const p of ports) {
    for (const f of p.frontends) byFrontend.set(f, [...(byFrontend.get(f) ?? []), p.endpoints]);
    if (p.nodePort) byNodePort.set(p.nodePort, [...(byNodePort.get(p.nodePort) ?? []), p.endpoints]);
  }
  const onNode = (ip: string) => nodeAddresses.length === 0 || nodeAddresses.includes(ip);
  return flows.filter((flow) => {
    const sets =
      byFrontend.get(`${flow.dst}:${flow.dport}`) ?? (onNode(flow.dst) ? byNodePort.get(flow.dport) : undefined);
    if (!sets) return false;
    const reply = `${flow.replySrc}:${flow.replySport}`;
    return !sets.some((endpoints) => endpoints.has(reply));
  });
}

export interface ConntrackResult {
  deleted: UdpFlow[];
  /** Set when the conntrack tool is not installed: nothing was looked at. */
  missingTool?: boolean;
}

/** Lists the node's UDP flows and deletes the stale ones (see the top of this file). */
export async function clearStaleUdpFlows(input: ProxyInput, options: CommandOptions = {}): Promise<ConntrackResult> {
  const ports = udpServicePorts(input);
  if (ports.length === 0) return { deleted: [] };
  let listed: Awaited<ReturnType<typeof runCommand>>;
  try {
    listed = await runCommand("conntrack", ["-L", "-p", "udp", "-f", "ipv4"], options);
  } catch (err) {
    if (err instanceof CommandError && /ENOENT/.test(err.message)) return { deleted: [], missingTool: true };
    throw err;
  }
  if (listed.code !== 0) throw new Error(`conntrack -L exited with ${listed.code}: ${listed.stderr.trim()}`);
  const stale = staleUdpFlows(parseUdpFlows(listed.stdout), ports, input.nodeAddresses);
  for (const f of stale) {
    // Exit 1 with "0 flow entries have been deleted" means the flow ended meanwhile: nothing to do.
    await runCommand(
      "conntrack",
      ["-D", "-p", "udp", "-s", f.src, "-d", f.dst, "--sport", String(f.sport), "--dport", String(f.dport)],
      options,
    );
  }
  return { deleted: stale };
}
