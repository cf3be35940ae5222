// The node's service proxy as data: from the cluster's Services and EndpointSlices, every
// KFLARE- chain and rule (nat, plus filter for rejects and forwarding), the way kube-proxy's
// iptables mode lays them out (see service-rules.ts), and the jump rules from the built-in chains.
// Pure: iptables.ts applies the result. Output is deterministic (services sorted, endpoints
// sorted, chain names hashed), so an unchanged cluster gives byte-identical rules.
//
// Node-wide chains: KFLARE-MARK-MASQ sets the masquerade mark (bit 0x4000, kube-proxy's), and
// KFLARE-POSTROUTING masquerades marked packets and clears the mark. KFLARE-FORWARD accepts
// marked service traffic and its replies, so a FORWARD policy of DROP does not break services.
import { isIPv4 } from "node:net";
import {
  EXTERNAL_SERVICES_CHAIN,
  FORWARD_CHAIN,
  MARK_MASQ_CHAIN,
  NODEPORTS_CHAIN,
  POSTROUTING_CHAIN,
  SERVICES_CHAIN,
} from "./chain-names.ts";
import { endpointsForPort, serviceKey, slicesByService } from "./endpoints.ts";
import { comment, type ProxyTables, RuleWriter, restoreText, type Table } from "./rule-writer.ts";
import { type NodeMatchers, writeServicePort } from "./service-rules.ts";
import type { ProxyInput, Service } from "./types.ts";

export const MASQ_MARK = "0x4000";
export const DEFAULT_AFFINITY_SECONDS = 10800;

/** A rule in a built-in chain that enters kflare's chains; `args` follow the chain name. */
export interface JumpRule {
  table: Table;
  chain: "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";
  args: string[];
}

export interface ProxyRules {
  tables: ProxyTables;
  /** `iptables-restore --noflush` input writing every chain of `tables` (no stale deletions). */
  restore: string;
  jumps: readonly JumpRule[];
}

/** Installed once, in this order, ahead of the built-in chains' other rules (as kube-proxy does). */
export const JUMP_RULES: readonly JumpRule[] = [
  {
    table: "nat",
    chain: "PREROUTING",
    args: ["-m", "comment", "--comment", "kflare service portals", "-j", SERVICES_CHAIN],
  },
  {
    table: "nat",
    chain: "OUTPUT",
    args: ["-m", "comment", "--comment", "kflare service portals", "-j", SERVICES_CHAIN],
  },
  {
    table: "nat",
    chain: "POSTROUTING",
    args: ["-m", "comment", "--comment", "kflare postrouting rules", "-j", POSTROUTING_CHAIN],
  },
  {
    table: "filter",
    chain: "INPUT",
    args: [...newConn("kflare externally-visible service portals"), "-j", EXTERNAL_SERVICES_CHAIN],
  },
  { table: "filter", chain: "FORWARD", args: [...newConn("kflare service portals"), "-j", SERVICES_CHAIN] },
  {
    table: "filter",
    chain: "FORWARD",
    args: [...newConn("kflare externally-visible service portals"), "-j", EXTERNAL_SERVICES_CHAIN],
  },
  {
    table: "filter",
    chain: "FORWARD",
    args: ["-m", "comment", "--comment", "kflare forwarding rules", "-j", FORWARD_CHAIN],
  },
  { table: "filter", chain: "OUTPUT", args: [...newConn("kflare service portals"), "-j", SERVICES_CHAIN] },
];

function newConn(text: string): string[] {
  return ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", text];
}

export function buildProxyRules(input: ProxyInput): ProxyRules {
  const w = new RuleWriter();
  for (const chain of [SERVICES_CHAIN, NODEPORTS_CHAIN, POSTROUTING_CHAIN, MARK_MASQ_CHAIN]) w.chain("nat", chain);
  for (const chain of [SERVICES_CHAIN, EXTERNAL_SERVICES_CHAIN, FORWARD_CHAIN]) w.chain("filter", chain);

  w.rule("nat", MARK_MASQ_CHAIN, `-j MARK --or-mark ${MASQ_MARK}`);
  // Pod to pod, across nodes too, keeps its source address: ACCEPT ends the nat chain here.
  // Everything else a pod sends leaves from the node's address, as on any home network: one rule
  // for every pod of the node, as flannel writes it (the CNI bridge's ipMasq would add a chain and
  // three rules per pod, at each pod's start, under the same iptables lock). Multicast keeps its
  // source. Service traffic is marked and handled below.
  if (input.clusterCIDR) {
    w.rule(
      "nat",
      POSTROUTING_CHAIN,
      comment("kflare pod-to-pod traffic keeps its source"),
      `-s ${input.clusterCIDR} -d ${input.clusterCIDR}`,
      `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK}`,
      "-j ACCEPT",
    );
    w.rule(
      "nat",
      POSTROUTING_CHAIN,
      comment("kflare pod traffic leaving the cluster"),
      `-s ${input.clusterCIDR} ! -d 224.0.0.0/4`,
      `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK}`,
      "-j MASQUERADE --random-fully",
    );
  }
  w.rule("nat", POSTROUTING_CHAIN, `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK}`, "-j RETURN");
  w.rule("nat", POSTROUTING_CHAIN, `-j MARK --xor-mark ${MASQ_MARK}`);
  w.rule("nat", POSTROUTING_CHAIN, comment("kflare service traffic requiring SNAT"), "-j MASQUERADE --random-fully");
  w.rule(
    "filter",
    FORWARD_CHAIN,
    comment("kflare forwarding rules"),
    `-m mark --mark ${MASQ_MARK}/${MASQ_MARK}`,
    "-j ACCEPT",
  );
  w.rule(
    "filter",
    FORWARD_CHAIN,
    comment("kflare forwarding conntrack rule"),
    "-m conntrack --ctstate RELATED,ESTABLISHED",
    "-j ACCEPT",
  );

  const node = nodeMatchers(input);
  const slices = slicesByService(input.endpointSlices);
  const services = [...input.services].sort((a, b) =>
    serviceKey(a) < serviceKey(b) ? -1 : serviceKey(a) > serviceKey(b) ? 1 : 0,
  );
  for (const service of services) writeService(w, service, slices.get(serviceKey(service)) ?? [], input.nodeName, node);

  for (const dest of node.nodePortDestinations)
    w.rule(
      "nat",
      SERVICES_CHAIN,
      comment("kflare service nodeports; must be the last rule in this chain"),
      dest,
      `-j ${NODEPORTS_CHAIN}`,
    );
  return { tables: w.tables, restore: restoreText(w.tables), jumps: JUMP_RULES };
}

function writeService(
  w: RuleWriter,
  service: Service,
  slices: Parameters<typeof endpointsForPort>[1],
  nodeName: string,
  node: NodeMatchers,
): void {
  const spec = service.spec ?? {};
  const type = spec.type ?? "ClusterIP";
  // Headless and ExternalName services are DNS only; IPv6 cluster IPs are ip6tables' business.
  if (type === "ExternalName" || !spec.clusterIP || !isIPv4(spec.clusterIP)) return;
  const exposesNodePorts = type === "NodePort" || type === "LoadBalancer";
  const affinitySeconds =
    spec.sessionAffinity === "ClientIP"
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS)
      : undefined;
  for (const port of spec.ports ?? []) {
    const protocol = port.protocol ?? "TCP";
    writeServicePort(
      w,
      {
        name: `${serviceKey(service)}${port.name ? `:${port.name}` : ""}`,
        protocol,
        clusterIP: spec.clusterIP,
        port: port.port,
        nodePort: exposesNodePorts && port.nodePort ? port.nodePort : undefined,
        externalIPs: (spec.externalIPs ?? []).filter((ip) => isIPv4(ip)),
        endpoints: endpointsForPort(port, slices, nodeName),
        affinitySeconds,
        internalLocal: spec.internalTrafficPolicy === "Local",
        externalLocal: spec.externalTrafficPolicy === "Local",
      },
      node,
    );
  }
}

function nodeMatchers(input: ProxyInput): NodeMatchers {
  const cidr = input.clusterCIDR ?? input.podCIDR;
  const addresses = [...new Set(input.nodeAddresses.filter((a) => isIPv4(a)))];
  return {
    podSource: cidr === undefined ? undefined : `-s ${ipv4Cidr(cidr)}`,
    nodePortDestinations:
      addresses.length > 0 ? addresses.map((a) => `-d ${a}/32`) : ["! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL"],
  };
}

/** A CIDR as iptables takes it; throws on anything else rather than emit a rule restore rejects. */
export function ipv4Cidr(value: string): string {
  const [ip, bits, ...rest] = value.split("/");
  const n = Number(bits);
  if (rest.length > 0 || ip === undefined || !isIPv4(ip) || !/^\d+$/.test(bits ?? "") || n > 32)
    throw new Error(`service proxy: not an IPv4 CIDR: ${JSON.stringify(value)}`);
  return `${ip}/${n}`;
}
