// A pod's resolv.conf from its dnsPolicy and dnsConfig, as kubelet builds it (pkg/kubelet/network/dns):
// - ClusterFirst (the default): the cluster DNS address, searches <ns>.svc.<domain>, svc.<domain>,
//   <domain> then the node's, options ndots:5. A hostNetwork pod falls back to Default, and so
//   does every pod while the node knows no cluster DNS address.
// - ClusterFirstWithHostNet: ClusterFirst, hostNetwork or not.
// - Default: the node's own resolv.conf.  - None: only dnsConfig.
// dnsConfig then adds nameservers and searches (without duplicates) and overrides options by name.

import type { Pod } from "../../schemas/core/pod.ts";

export interface DnsSettings {
  /** The cluster DNS Service's address(es); empty until the node has heard of kube-dns. */
  clusterDNS: string[];
  clusterDomain: string;
  /** The node's own resolv.conf. */
  host: { nameservers: string[]; searches: string[]; options: string[] };
}

export interface ResolvConf {
  servers: string[];
  searches: string[];
  options: string[];
}

/** kubelet's limits: resolvers honour only three nameservers; search lists are bounded. */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

function unique(items: string[]): string[] {
  return [...new Set(items.filter((i) => i.length > 0))];
}

function optionName(option: string): string {
  return option.split(":")[0] ?? option;
}

export function podDnsConfig(pod: Pod, settings: DnsSettings): ResolvConf {
  const spec = pod.spec ?? {};
  let policy = spec.dnsPolicy || "ClusterFirst";
  if (policy === "ClusterFirst" && spec.hostNetwork) policy = "Default";
  if ((policy === "ClusterFirst" || policy === "ClusterFirstWithHostNet") && settings.clusterDNS.length === 0)
    policy = "Default";
  let conf: ResolvConf;
  switch (policy) {
    case "None":
      conf = { servers: [], searches: [], options: [] };
      break;
    case "ClusterFirst":
    case "ClusterFirstWithHostNet": {
      const domain = settings.clusterDomain;
      const ns = pod.metadata.namespace || "default";
      conf = {
        servers: [...settings.clusterDNS],
        searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...settings.host.searches],
        options: ["ndots:5"],
      };
      break;
    }
    default:
      conf = {
        servers: [...settings.host.nameservers],
        searches: [...settings.host.searches],
        options: [...settings.host.options],
      };
  }
  const extra = spec.dnsConfig;
  if (extra) {
    conf.servers.push(...(extra.nameservers ?? []));
    conf.searches.push(...(extra.searches ?? []));
    for (const o of extra.options ?? []) {
      const text = o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? "");
      conf.options = conf.options.filter((existing) => optionName(existing) !== o.name);
      conf.options.push(text);
    }
  }
  return {
    servers: unique(conf.servers).slice(0, MAX_NAMESERVERS),
    searches: unique(conf.searches).slice(0, MAX_SEARCHES),
    options: unique(conf.options),
  };
}
