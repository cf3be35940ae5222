// The cluster's DNS records, as the Kubernetes DNS specification (and CoreDNS's kubernetes plugin)
// defines them, built from the Services and EndpointSlices the control plane sends every node:
//   <svc>.<ns>.svc.<zone>               A: the ClusterIP, or each ready endpoint of a headless Service
//   <host>.<svc>.<ns>.svc.<zone>        A: a headless Service's endpoint (its hostname, or its IP dashed)
//   _<port>._<proto>.<svc>.<ns>.svc...  SRV: each named port
//   <svc>.<ns>.svc.<zone>               CNAME: an ExternalName Service's target
//   <a-b-c-d>.<ns>.pod.<zone>           A: a.b.c.d (CoreDNS's "pods insecure", k3s's default)
//   <d.c.b.a>.in-addr.arpa              PTR: a ClusterIP's Service, a headless endpoint's name
//                                       (other reverse names go to the node's resolvers)
// A name under the zone that does not exist is NXDOMAIN; one that exists without records of the
// asked type (AAAA in this IPv4 cluster) is an empty NOERROR, so resolvers do not give up early.

export const DEFAULT_ZONE = "cluster.local";
/** CoreDNS's kubernetes plugin answers with a 5 s TTL: endpoint changes are seen quickly. */
export const TTL = 5;

export interface ServiceView {
  metadata: { name?: string; namespace?: string };
  spec?: {
    type?: string;
    clusterIP?: string;
    externalName?: string;
    ports?: { name?: string; port?: number; protocol?: string }[];
  };
}

export interface SliceView {
  metadata: { namespace?: string; labels?: Record<string, string> };
  endpoints?: { addresses?: string[]; hostname?: string; conditions?: { ready?: boolean } }[];
  ports?: { name?: string; port?: number; protocol?: string }[];
}

export type DnsRecord =
  | { type: "A"; name: string; address: string }
  | { type: "CNAME"; name: string; target: string }
  | { type: "PTR"; name: string; target: string }
  | { type: "SRV"; name: string; port: number; target: string; priority: number; weight: number };

export type Lookup =
  /** Not a cluster name: ask the node's resolvers. */
  { kind: "forward" } | { kind: "answer"; records: DnsRecord[] } | { kind: "nxdomain" };

const IPV4 = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/;

function lower(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

export class ClusterRecords {
  readonly zone: string;
  /** Bumped by every update: answers cached for an older version are stale. */
  version = 0;
  /** Records by owner name (lower case, no trailing dot). */
  private byName = new Map<string, DnsRecord[]>();
  /** Every name that exists (with records or as a parent of one): NODATA rather than NXDOMAIN. */
  private names = new Set<string>();
  /** PTR records by reverse name (d.c.b.a.in-addr.arpa). */
  private reverse = new Map<string, DnsRecord[]>();

  constructor(zone = DEFAULT_ZONE) {
    this.zone = lower(zone);
  }

  /** Replaces every record with those of these Services and slices. */
  update(services: readonly ServiceView[], slices: readonly SliceView[]): void {
    const byName = new Map<string, DnsRecord[]>();
    const add = (r: DnsRecord) => {
      const name = lower(r.name);
      byName.set(name, [...(byName.get(name) ?? []), r]);
    };
    const slicesOf = new Map<string, SliceView[]>();
    for (const s of slices) {
      const key = `${s.metadata.namespace}/${s.metadata.labels?.["kubernetes.io/service-name"] ?? ""}`;
      slicesOf.set(key, [...(slicesOf.get(key) ?? []), s]);
    }
    for (const svc of services) {
      const ns = svc.metadata.namespace ?? "";
      const name = svc.metadata.name ?? "";
      const fqdn = `${name}.${ns}.svc.${this.zone}`;
      const spec = svc.spec ?? {};
      if (spec.type === "ExternalName") {
        if (spec.externalName) add({ type: "CNAME", name: fqdn, target: lower(spec.externalName) });
        continue;
      }
      if (spec.clusterIP && spec.clusterIP !== "None") {
        add({ type: "A", name: fqdn, address: spec.clusterIP });
        for (const p of spec.ports ?? []) {
          if (!p.name) continue;
          add(srv(p.name, p.protocol, fqdn, p.port ?? 0, fqdn));
        }
        continue;
      }
      // Headless: the ready endpoints themselves, each with a name of its own.
      const seen = new Set<string>();
      for (const slice of slicesOf.get(`${ns}/${name}`) ?? []) {
        for (const ep of slice.endpoints ?? []) {
          if (ep.conditions?.ready === false) continue;
          for (const address of ep.addresses ?? []) {
            if (seen.has(address)) continue;
            seen.add(address);
            const host = `${ep.hostname || address.replaceAll(".", "-")}.${fqdn}`;
            add({ type: "A", name: fqdn, address });
            add({ type: "A", name: host, address });
            for (const p of slice.ports ?? []) {
              if (!p.name) continue;
              add(srv(p.name, p.protocol, fqdn, p.port ?? 0, host));
            }
          }
        }
      }
      // A headless Service without ready endpoints still exists (NODATA, not NXDOMAIN).
      if (!byName.has(fqdn)) byName.set(fqdn, []);
    }
    const names = new Set<string>();
    for (const owner of byName.keys()) {
      const labels = owner.split(".");
      for (let i = 0; i < labels.length; i++) names.add(labels.slice(i).join("."));
    }
    // Reverse names for every address that has a forward name (ClusterIPs, headless endpoints).
    const reverse = new Map<string, DnsRecord[]>();
    for (const records of byName.values()) {
      for (const r of records) {
        if (r.type !== "A") continue;
        const ptr = `${r.address.split(".").reverse().join(".")}.in-addr.arpa`;
        const list = reverse.get(ptr) ?? [];
        // A headless endpoint has two names (the Service's and its own): its own is the answer.
        const own = r.name.split(".").length > (list[0]?.type === "PTR" ? list[0].target.split(".").length : 0);
        if (list.length === 0 || own) reverse.set(ptr, [{ type: "PTR", name: ptr, target: r.name }]);
      }
    }
    this.byName = byName;
    this.names = names;
    this.reverse = reverse;
    this.version++;
  }

  private inZone(name: string): boolean {
    return name === this.zone || name.endsWith(`.${this.zone}`);
  }

  lookup(qname: string, qtype: string): Lookup {
    const name = lower(qname);
    if (name.endsWith(".in-addr.arpa")) {
      const ptr = this.reverse.get(name);
      if (!ptr) return { kind: "forward" };
      return { kind: "answer", records: qtype === "PTR" || qtype === "ANY" ? ptr : [] };
    }
    if (!this.inZone(name)) return { kind: "forward" };
    const pod = this.podRecord(name);
    if (pod) return { kind: "answer", records: qtype === "A" || qtype === "ANY" ? [pod] : [] };
    const records = this.byName.get(name);
    if (!records)
      return this.names.has(name) || name === this.zone ? { kind: "answer", records: [] } : { kind: "nxdomain" };
    // A CNAME answers every type; resolvers follow it themselves.
    const cname = records.filter((r) => r.type === "CNAME");
    if (cname.length > 0) return { kind: "answer", records: cname };
    return { kind: "answer", records: qtype === "ANY" ? records : records.filter((r) => r.type === qtype) };
  }

  /** `10-42-0-5.default.pod.cluster.local` -> 10.42.0.5. */
  private podRecord(name: string): DnsRecord | undefined {
    const suffix = `.pod.${this.zone}`;
    if (!name.endsWith(suffix)) return undefined;
    const parts = name.slice(0, -suffix.length).split(".");
    if (parts.length !== 2) return undefined;
    const m = IPV4.exec(parts[0]!);
    if (!m || m.slice(1).some((o) => Number(o) > 255)) return undefined;
    return { type: "A", name, address: m.slice(1).join(".") };
  }
}

function srv(port: string, protocol: string | undefined, service: string, number: number, target: string): DnsRecord {
  const proto = (protocol ?? "TCP").toLowerCase();
  return { type: "SRV", name: `_${port}._${proto}.${service}`, port: number, target, priority: 0, weight: 100 };
}
