// The node's half of Services: what kube-proxy, a node-local CoreDNS and flannel's host-gw do, fed
// by the control plane's "network" frames (every Service, EndpointSlice and node's podCIDR). It
// programs the service proxy's iptables rules and the routes to other nodes' pods, and answers
// cluster DNS for the node's pods. The last frame is kept in the data
// dir, so after a reboot without the control plane, DNS answers and the rules come back as they were.
//
// kube-system/kube-dns has no pods: each node answers it itself. Its ClusterIP gets a node-local
// endpoint (this node's address, the DNS server's port), so the proxy's ordinary DNAT rules carry
// pods' queries to this agent, and pods' resolv.conf names the ClusterIP as on any cluster.
// default/kubernetes is answered the same way, by the node's API proxy (ApiEndpoint).

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { NetworkFrame } from "../../schemas/agent/protocol.ts";
import { ClusterRecords, DEFAULT_ZONE, type ServiceView, type SliceView } from "../dns/records.ts";
import { DnsServer } from "../dns/server.ts";
import { type HostResolvConf, podResolvConf, readHostResolvConf } from "../dns/upstream.ts";
import type { DnsSettings } from "../pods/dns-config.ts";
import {
  buildProxyRules,
  cleanupProxyRules,
  clearStaleUdpFlows,
  type EndpointSlice,
  type ProxyInput,
  type Service,
  syncProxyRules,
} from "../proxy/index.ts";
import { writeFileAtomic } from "../state/state-file.ts";
import { inCidr } from "./cidr.ts";
import { removePodRoutes, syncPodRoutes } from "./pod-routes.ts";

/** The port the node's DNS server listens on; the kube-dns ClusterIP's port 53 is DNATed to it. */
export const DEFAULT_DNS_PORT = 10053;
const KUBE_DNS = { namespace: "kube-system", name: "kube-dns" };
const KUBERNETES = { namespace: "default", name: "kubernetes" };

export interface ServiceNetworkOptions {
  nodeName: string;
  dataDir: string;
  /** This node's address (where NodePorts answer and kube-dns's local endpoint points). */
  hostIP: string | undefined;
  dnsPort?: number;
  /** The node's API proxy port (ApiEndpoint): default/kubernetes gets a node-local endpoint there. */
  apiPort?: number;
  /** Program iptables (containers as root); false runs DNS only. */
  proxy: boolean;
  log: (line: string) => void;
}

type Frame = Pick<NetworkFrame, "clusterCIDR" | "services" | "endpointSlices" | "nodes">;

export class ServiceNetwork {
  private readonly opts: ServiceNetworkOptions;
  private readonly records = new ClusterRecords(DEFAULT_ZONE);
  private readonly dns: DnsServer;
  private frame: Frame | undefined;
  /** The node's resolv.conf: where names outside the cluster are forwarded. */
  private host: HostResolvConf = { nameservers: [], searches: [], options: [] };
  /** What pods may copy of it (no loopback resolvers). */
  private podHost: HostResolvConf = { nameservers: [], searches: [], options: [] };
  private syncing: Promise<void> | undefined;
  private again = false;
  private lastError = "";
  private saidNoConntrack = false;
  /** Nodes already said to be out of reach (said once). */
  private readonly unreachable = new Set<string>();

  constructor(opts: ServiceNetworkOptions) {
    this.opts = opts;
    this.dns = new DnsServer({
      records: this.records,
      upstreams: () => this.host.nameservers,
      allowed: (address) => this.mayAsk(address),
      // The node's address, not 0.0.0.0: a UDP answer from a wildcard socket leaves from the
      // address routing picks (the pod bridge's), which conntrack cannot match to the DNATed query.
      host: opts.hostIP ?? "127.0.0.1",
      port: this.dnsPort,
      log: opts.log,
    });
  }

  private get dnsPort(): number {
    return this.opts.dnsPort ?? DEFAULT_DNS_PORT;
  }

  private get savedPath(): string {
    return join(this.opts.dataDir, "network.json");
  }

  /** Pods, the node itself, nobody else: a node on a home LAN must not be an open resolver or relay. */
  mayAsk(address: string): boolean {
    const ip = address.replace(/^::ffff:/, "");
    if (ip.startsWith("127.") || ip === this.opts.hostIP) return true;
    return this.frame ? inCidr(ip, this.frame.clusterCIDR) : false;
  }

  /** Starts DNS and restores the last rules the node had. */
  async start(): Promise<void> {
    this.host = await readHostResolvConf();
    this.podHost = await podResolvConf(this.host);
    try {
      this.frame = JSON.parse(await readFile(this.savedPath, "utf8")) as Frame;
      this.apply();
    } catch {
      // No saved frame yet: the control plane sends one on connect.
    }
    await this.dns.start();
  }

  /** A network frame from the control plane. */
  async update(frame: NetworkFrame): Promise<void> {
    const kept: Frame = {
      clusterCIDR: frame.clusterCIDR,
      services: frame.services,
      endpointSlices: frame.endpointSlices,
      nodes: frame.nodes,
    };
    this.frame = kept;
    this.apply();
    await writeFileAtomic(this.savedPath, JSON.stringify(kept)).catch((err: unknown) =>
      this.opts.log(`cannot save the service network: ${(err as Error).message}`),
    );
  }

  /** What pods' resolv.conf is built from. */
  dnsSettings(): DnsSettings {
    return { clusterDNS: this.clusterDns(), clusterDomain: DEFAULT_ZONE, host: this.podHost };
  }

  private clusterDns(): string[] {
    const svc = this.services().find(
      (s) => s.metadata.namespace === KUBE_DNS.namespace && s.metadata.name === KUBE_DNS.name,
    );
    const ip = svc?.spec?.clusterIP;
    return ip && ip !== "None" ? [ip] : [];
  }

  /** Every Service of the cluster, as the last network frame had them (containers' service variables). */
  serviceList(): readonly Service[] {
    return this.services();
  }

  private services(): Service[] {
    return (this.frame?.services ?? []) as unknown as Service[];
  }

  /** kube-dns's endpoint on this node: its own address, the DNS server's port. */
  private localDnsSlice(): EndpointSlice[] {
    const ip = this.opts.hostIP;
    if (!ip || this.clusterDns().length === 0) return [];
    return [
      {
        metadata: {
          name: "kube-dns-local",
          namespace: KUBE_DNS.namespace,
          labels: { "kubernetes.io/service-name": KUBE_DNS.name },
        },
        addressType: "IPv4",
        endpoints: [
          {
            addresses: [ip],
            conditions: { ready: true, serving: true, terminating: false },
            nodeName: this.opts.nodeName,
          },
        ],
        ports: [
          { name: "dns", port: this.dnsPort, protocol: "UDP" },
          { name: "dns-tcp", port: this.dnsPort, protocol: "TCP" },
        ],
      },
    ];
  }

  /** The `kubernetes` Service's endpoint on this node: its own address, the API proxy's port. */
  private localApiSlice(): EndpointSlice[] {
    const ip = this.opts.hostIP;
    const port = this.opts.apiPort;
    const svc = this.services().find(
      (s) => s.metadata.namespace === KUBERNETES.namespace && s.metadata.name === KUBERNETES.name,
    );
    if (!ip || !port || !svc) return [];
    return [
      {
        metadata: {
          name: "kubernetes-local",
          namespace: KUBERNETES.namespace,
          labels: { "kubernetes.io/service-name": KUBERNETES.name },
        },
        addressType: "IPv4",
        endpoints: [
          {
            addresses: [ip],
            conditions: { ready: true, serving: true, terminating: false },
            nodeName: this.opts.nodeName,
          },
        ],
        ports: (svc.spec?.ports ?? []).map((p) => ({ name: p.name ?? "", port, protocol: "TCP" })),
      },
    ];
  }

  private apply(): void {
    const frame = this.frame;
    if (!frame) return;
    this.records.update(frame.services as unknown as ServiceView[], frame.endpointSlices as unknown as SliceView[]);
    if (this.opts.proxy) this.scheduleSync();
  }

  /** One iptables sync at a time; changes that arrive meanwhile are folded into one more. */
  private scheduleSync(): void {
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = this.syncOnce().finally(() => {
      this.syncing = undefined;
      if (this.again) {
        this.again = false;
        this.scheduleSync();
      }
    });
  }

  private async syncOnce(): Promise<void> {
    const frame = this.frame;
    if (!frame) return;
    const local = (s: EndpointSlice, svc: { namespace: string; name: string }) =>
      s.metadata.namespace === svc.namespace && s.metadata.labels?.["kubernetes.io/service-name"] === svc.name;
    const slices = [
      ...(frame.endpointSlices as unknown as EndpointSlice[]).filter(
        (s) => !local(s, KUBE_DNS) && !(this.opts.apiPort && local(s, KUBERNETES)),
      ),
      ...this.localDnsSlice(),
      ...this.localApiSlice(),
    ];
    const input: ProxyInput = {
      services: this.services(),
      endpointSlices: slices,
      nodeName: this.opts.nodeName,
      nodeAddresses: this.opts.hostIP ? [this.opts.hostIP] : [],
      clusterCIDR: frame.clusterCIDR,
    };
    const rules = buildProxyRules(input);
    try {
      await syncProxyRules(rules);
      await this.clearStaleFlows(input);
      const routes = await syncPodRoutes(frame.nodes ?? [], this.opts.nodeName);
      for (const r of routes.installed) this.opts.log(`route to pods on another node: ${r}`);
      for (const name of routes.unreachable) {
        if (this.unreachable.has(name)) continue;
        this.unreachable.add(name);
        this.opts.log(`pods on node ${name} are not reachable from here: its address is not on this node's networks`);
      }
      if (this.lastError) this.opts.log("service proxy rules are in sync again");
      this.lastError = "";
    } catch (err) {
      const message = (err as Error).message;
      // Said once, not on every change: the cause (no iptables, no rights) rarely fixes itself.
      if (message !== this.lastError) this.opts.log(`cannot program the service proxy: ${message}`);
      this.lastError = message;
    }
  }

  /** After the rules: UDP flows still going to endpoints that are gone (proxy/conntrack.ts). */
  private async clearStaleFlows(input: ProxyInput): Promise<void> {
    const result = await clearStaleUdpFlows(input);
    if (result.missingTool && !this.saidNoConntrack) {
      this.saidNoConntrack = true;
      this.opts.log(
        "conntrack is not installed: UDP clients of a Service (DNS among them) keep reaching a removed endpoint until they fall silent; fix: apt-get install conntrack",
      );
    }
    if (result.deleted.length > 0)
      this.opts.log(`cleared ${result.deleted.length} UDP flows to endpoints that are gone`);
  }

  /** Waits for the rules in flight (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.syncing) await this.syncing;
  }

  /** Stops DNS; the rules stay, so pods keep reaching Services while the agent restarts. */
  async stop(): Promise<void> {
    await this.settled();
    await this.dns.stop();
  }
}

/** `k-agent reset`: every rule the proxy made goes, and every route to other nodes' pods. */
export async function removeServiceNetwork(): Promise<void> {
  await cleanupProxyRules();
  await removePodRoutes();
}
