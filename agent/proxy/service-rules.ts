// The rules for one service port, in kube-proxy's iptables-mode structure:
//   nat KFLARE-SERVICES  -d clusterIP --dport port          -> KFLARE-SVC-x (or SVL-x when iTP Local)
//   nat KFLARE-SVC-x     ! -s clusterCIDR -> KFLARE-MARK-MASQ, then one rule per endpoint picked at
//                        random (probability 1/(n-i), 10 decimals; the last unconditional), after
//                        `-m recent --rcheck` rules when sessionAffinity is ClientIP
//   nat KFLARE-SVL-x     the same over this node's endpoints, source kept (no masquerade)
//   nat KFLARE-SEP-y     -s endpoint -> KFLARE-MARK-MASQ (hairpin), then DNAT to ip:port
//   nat KFLARE-NODEPORTS --dport nodePort -> KFLARE-EXT-x: masquerade, then SVC-x; with eTP Local
//                        only this node's endpoints (SVL-x) and the source is kept, except for pod
//                        or node-local clients, which go cluster-wide (masqueraded when local)
//   nat KFLARE-SERVICES  -d externalIP --dport port      -> KFLARE-EXT-x, as a node port does
//   filter               no endpoints: REJECT the cluster IP, node port and external IPs (connection
//                        refused, not a timeout); endpoints but none local under a Local policy: DROP.
import {
  EXTERNAL_SERVICES_CHAIN,
  endpointChain,
  MARK_MASQ_CHAIN,
  NODEPORTS_CHAIN,
  portChain,
  SERVICES_CHAIN,
} from "./chain-names.ts";
import { type ResolvedEndpoint, usableEndpoints } from "./endpoints.ts";
import { comment, type RuleWriter } from "./rule-writer.ts";

export interface ServicePortRules {
  /** "namespace/name:port" (":port" only for named ports), as kube-proxy names a service port. */
  name: string;
  protocol: string;
  clusterIP: string;
  port: number;
  nodePort?: number;
  /** spec.externalIPs (IPv4): answered as the node port is, on whichever node they reach. */
  externalIPs: string[];
  endpoints: ResolvedEndpoint[];
  /** Seconds of ClientIP affinity, when the service asks for it. */
  affinitySeconds?: number;
  internalLocal: boolean;
  externalLocal: boolean;
}

export interface NodeMatchers {
  /** Source match for pod traffic ("-s CIDR"), when a pod range is known. */
  podSource?: string;
  /** Destination matches that mean "addressed to this node" for NodePorts. */
  nodePortDestinations: string[];
}

export function writeServicePort(w: RuleWriter, sp: ServicePortRules, node: NodeMatchers): void {
  const proto = sp.protocol.toLowerCase();
  const l4 = `-p ${proto} -m ${proto}`;
  const toClusterIP = `-d ${sp.clusterIP}/32 ${l4} --dport ${sp.port}`;
  const cluster = usableEndpoints(sp.endpoints);
  const local = usableEndpoints(sp.endpoints.filter((e) => e.local));
  const internal = sp.internalLocal ? local : cluster;
  const external = sp.externalLocal ? local : cluster;
  const nodePort = sp.nodePort;
  // Where traffic from outside the cluster comes in: the node port on the node's addresses, and
  // the service port on each external IP.
  const externalMatches = [
    ...(nodePort === undefined ? [] : node.nodePortDestinations.map((dest) => `${dest} ${l4} --dport ${nodePort}`)),
    ...sp.externalIPs.map((ip) => `-d ${ip}/32 ${l4} --dport ${sp.port}`),
  ];
  const exposed = externalMatches.length > 0;

  if (cluster.length === 0) {
    // No local endpoint can be usable when no endpoint is: one reject covers every policy.
    w.rule("filter", SERVICES_CHAIN, comment(`${sp.name} has no endpoints`), toClusterIP, "-j REJECT");
    for (const match of externalMatches)
      w.rule("filter", EXTERNAL_SERVICES_CHAIN, comment(`${sp.name} has no endpoints`), match, "-j REJECT");
    return;
  }
  if (internal.length === 0)
    w.rule("filter", SERVICES_CHAIN, comment(`${sp.name} has no local endpoints`), toClusterIP, "-j DROP");
  if (external.length === 0)
    for (const match of externalMatches)
      w.rule("filter", EXTERNAL_SERVICES_CHAIN, comment(`${sp.name} has no local endpoints`), match, "-j DROP");

  const svc = portChain("SVC", sp.name, sp.protocol);
  const svl = portChain("SVL", sp.name, sp.protocol);
  // The external chain sends pod and node-local clients cluster-wide even under eTP Local.
  const usesCluster = !sp.internalLocal || exposed;
  const usesLocal = (sp.internalLocal || (exposed && sp.externalLocal)) && local.length > 0;

  if (internal.length > 0)
    w.rule("nat", SERVICES_CHAIN, comment(`${sp.name} cluster IP`), toClusterIP, `-j ${sp.internalLocal ? svl : svc}`);
  if (usesCluster) {
    w.chain("nat", svc);
    if (node.podSource !== undefined)
      w.rule("nat", svc, comment(`${sp.name} cluster IP`), toClusterIP, `! ${node.podSource}`, `-j ${MARK_MASQ_CHAIN}`);
    balance(w, svc, sp, cluster);
  }
  if (usesLocal) {
    w.chain("nat", svl);
    balance(w, svl, sp, local);
  }
  if (exposed) {
    const ext = portChain("EXT", sp.name, sp.protocol);
    w.chain("nat", ext);
    for (const ip of sp.externalIPs)
      w.rule(
        "nat",
        SERVICES_CHAIN,
        comment(`${sp.name} external IP`),
        `-d ${ip}/32 ${l4} --dport ${sp.port}`,
        `-j ${ext}`,
      );
    if (nodePort !== undefined)
      w.rule("nat", NODEPORTS_CHAIN, comment(sp.name), l4, `--dport ${nodePort}`, `-j ${ext}`);
    if (!sp.externalLocal) {
      w.rule("nat", ext, comment(`masquerade traffic for ${sp.name} external destinations`), `-j ${MARK_MASQ_CHAIN}`);
      w.rule("nat", ext, `-j ${svc}`);
    } else {
      if (node.podSource !== undefined)
        w.rule("nat", ext, comment(`pod traffic for ${sp.name} external destinations`), node.podSource, `-j ${svc}`);
      w.rule(
        "nat",
        ext,
        comment(`masquerade LOCAL traffic for ${sp.name} external destinations`),
        "-m addrtype --src-type LOCAL",
        `-j ${MARK_MASQ_CHAIN}`,
      );
      w.rule(
        "nat",
        ext,
        comment(`route LOCAL traffic for ${sp.name} external destinations`),
        "-m addrtype --src-type LOCAL",
        `-j ${svc}`,
      );
      if (local.length > 0) w.rule("nat", ext, `-j ${svl}`);
    }
  }
  for (const endpoint of [...(usesCluster ? cluster : []), ...(usesLocal ? local : [])]) writeEndpoint(w, sp, endpoint);
}

/** Random choice among `endpoints`, after the affinity checks that keep a client on its endpoint. */
function balance(w: RuleWriter, chain: string, sp: ServicePortRules, endpoints: ResolvedEndpoint[]): void {
  const seps = endpoints.map((e) => ({
    target: `${e.ip}:${e.port}`,
    sep: endpointChain(sp.name, sp.protocol, `${e.ip}:${e.port}`),
  }));
  if (sp.affinitySeconds !== undefined)
    for (const { target, sep } of seps)
      w.rule(
        "nat",
        chain,
        comment(`${sp.name} -> ${target}`),
        `-m recent --name ${sep} --mask 255.255.255.255 --rsource --rcheck --seconds ${sp.affinitySeconds} --reap`,
        `-j ${sep}`,
      );
  seps.forEach(({ target, sep }, i) => {
    const left = seps.length - i;
    const pick = left > 1 ? `-m statistic --mode random --probability ${(1 / left).toFixed(10)}` : "";
    w.rule("nat", chain, comment(`${sp.name} -> ${target}`), pick, `-j ${sep}`);
  });
}

function writeEndpoint(w: RuleWriter, sp: ServicePortRules, e: ResolvedEndpoint): void {
  const target = `${e.ip}:${e.port}`;
  const sep = endpointChain(sp.name, sp.protocol, target);
  if (!w.chain("nat", sep)) return; // already written (endpoint both in SVC and SVL)
  const proto = sp.protocol.toLowerCase();
  const remember =
    sp.affinitySeconds !== undefined ? `-m recent --name ${sep} --mask 255.255.255.255 --rsource --set` : "";
  w.rule("nat", sep, comment(sp.name), `-s ${e.ip}/32`, `-j ${MARK_MASQ_CHAIN}`);
  w.rule("nat", sep, comment(sp.name), `-p ${proto}`, remember, `-m ${proto}`, `-j DNAT --to-destination ${target}`);
}
