// The service proxy's rules as text, without iptables: load balancing, rejects, named ports,
// NodePorts, external IPs, traffic policies, session affinity, stable chain names and the restore format.
import { describe, expect, it } from "vitest";
import { base32Prefix, endpointChain, portChain } from "./chain-names.ts";
import { restoreText, type Table } from "./rule-writer.ts";
import { buildProxyRules, type ProxyRules } from "./rules.ts";
import type { Endpoint, EndpointSlice, ProxyInput, Service } from "./types.ts";

const WEB = "default/web:http";

function service(spec: Service["spec"], name = "web"): Service {
  return { metadata: { name, namespace: "default" }, spec: { clusterIP: "10.43.0.10", ...spec } };
}

function slice(endpoints: Endpoint[], ports = [{ name: "http", port: 8080 }], name = "web"): EndpointSlice {
  return {
    metadata: { name: `${name}-abc`, namespace: "default", labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4",
    ports,
    endpoints,
  };
}

const ready = (ip: string, nodeName = "node-a"): Endpoint => ({
  addresses: [ip],
  conditions: { ready: true },
  nodeName,
});

function build(services: Service[], slices: EndpointSlice[], extra: Partial<ProxyInput> = {}): ProxyRules {
  return buildProxyRules({
    services,
    endpointSlices: slices,
    nodeName: "node-a",
    nodeAddresses: ["192.168.1.5"],
    clusterCIDR: "10.42.0.0/16",
    ...extra,
  });
}

/** The rules of one chain, without "-A CHAIN ". */
function chain(rules: ProxyRules, table: Table, name: string): string[] {
  return rules.tables[table].rules.filter((r) => r.startsWith(`-A ${name} `)).map((r) => r.slice(name.length + 4));
}

const httpPort = [{ name: "http", port: 80 }];
const svc = portChain("SVC", WEB, "TCP");
const sep = (target: string) => endpointChain(WEB, "TCP", target);

describe("load balancing", () => {
  it("splits two endpoints 0.5000000000 then the last unconditionally, DNAT per endpoint", () => {
    const rules = build([service({ ports: httpPort })], [slice([ready("10.42.0.12"), ready("10.42.0.11")])]);
    expect(chain(rules, "nat", "KFLARE-SERVICES")[0]).toBe(
      `-m comment --comment "${WEB} cluster IP" -d 10.43.0.10/32 -p tcp -m tcp --dport 80 -j ${svc}`,
    );
    expect(chain(rules, "nat", svc)).toEqual([
      `-m comment --comment "${WEB} cluster IP" -d 10.43.0.10/32 -p tcp -m tcp --dport 80 ! -s 10.42.0.0/16 -j KFLARE-MARK-MASQ`,
      `-m comment --comment "${WEB} -> 10.42.0.11:8080" -m statistic --mode random --probability 0.5000000000 -j ${sep("10.42.0.11:8080")}`,
      `-m comment --comment "${WEB} -> 10.42.0.12:8080" -j ${sep("10.42.0.12:8080")}`,
    ]);
    expect(chain(rules, "nat", sep("10.42.0.11:8080"))).toEqual([
      `-m comment --comment "${WEB}" -s 10.42.0.11/32 -j KFLARE-MARK-MASQ`,
      `-m comment --comment "${WEB}" -p tcp -m tcp -j DNAT --to-destination 10.42.0.11:8080`,
    ]);
    expect(rules.tables.filter.rules.filter((r) => r.includes("REJECT") || r.includes("DROP"))).toEqual([]);
  });

  it("gives n endpoints probabilities 1/n, 1/(n-1), ... with 10 decimals", () => {
    const ips = ["10.42.0.1", "10.42.0.2", "10.42.0.3", "10.42.0.4"];
    const rules = build([service({ ports: httpPort })], [slice(ips.map((ip) => ready(ip)))]);
    const picks = chain(rules, "nat", svc).map((r) => /--probability (\S+)/.exec(r)?.[1] ?? "last");
    expect(picks).toEqual(["last", "0.2500000000", "0.3333333333", "0.5000000000", "last"]);
  });

  it("uses ready endpoints only, and serving terminating ones when none is ready", () => {
    const notReady = { addresses: ["10.42.0.9"], conditions: { ready: false, serving: false } };
    const terminating = { addresses: ["10.42.0.8"], conditions: { ready: false, serving: true, terminating: true } };
    const withReady = build([service({ ports: httpPort })], [slice([ready("10.42.0.7"), notReady, terminating])]);
    expect(chain(withReady, "nat", svc).filter((r) => r.includes(" -> "))).toEqual([
      `-m comment --comment "${WEB} -> 10.42.0.7:8080" -j ${sep("10.42.0.7:8080")}`,
    ]);
    const fallback = build([service({ ports: httpPort })], [slice([notReady, terminating])]);
    expect(chain(fallback, "nat", svc).filter((r) => r.includes(" -> "))).toEqual([
      `-m comment --comment "${WEB} -> 10.42.0.8:8080" -j ${sep("10.42.0.8:8080")}`,
    ]);
  });

  it("merges slices and drops duplicates, IPv6 and other services' slices", () => {
    const rules = build(
      [service({ ports: httpPort })],
      [
        slice([ready("10.42.0.2"), ready("10.42.0.1")]),
        slice([ready("10.42.0.1")]),
        { ...slice([{ addresses: ["fd00::1"] }]), addressType: "IPv6" },
        slice([ready("10.42.9.9")], undefined, "other"),
      ],
    );
    expect(rules.tables.nat.chains.filter((c) => c.startsWith("KFLARE-SEP-"))).toEqual([
      sep("10.42.0.1:8080"),
      sep("10.42.0.2:8080"),
    ]);
  });
});

describe("no endpoints", () => {
  it("rejects in filter and writes no nat path", () => {
    const rules = build(
      [service({ ports: httpPort })],
      [slice([{ addresses: ["10.42.0.3"], conditions: { ready: false } }])],
    );
    expect(chain(rules, "filter", "KFLARE-SERVICES")).toEqual([
      `-m comment --comment "${WEB} has no endpoints" -d 10.43.0.10/32 -p tcp -m tcp --dport 80 -j REJECT`,
    ]);
    expect(rules.tables.nat.chains).not.toContain(svc);
    expect(chain(rules, "nat", "KFLARE-SERVICES").some((r) => r.includes("10.43.0.10"))).toBe(false);
  });

  it("rejects a service without slices on its NodePort too", () => {
    const rules = build([service({ type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 30080 }] })], []);
    expect(chain(rules, "filter", "KFLARE-EXTERNAL-SERVICES")).toEqual([
      `-m comment --comment "${WEB} has no endpoints" -d 192.168.1.5/32 -p tcp -m tcp --dport 30080 -j REJECT`,
    ]);
  });
});

describe("ports", () => {
  it("resolves a named target port through the slice's port names and protocols", () => {
    const s = service({
      ports: [
        { name: "http", port: 80 },
        { name: "dns", port: 53, protocol: "UDP" },
      ],
    });
    const ports = [
      { name: "metrics", port: 9090 },
      { name: "http", port: 8080 },
      { name: "dns", port: 5353, protocol: "UDP" },
      { name: "dns", port: 5300, protocol: "TCP" },
    ];
    const rules = build([s], [slice([ready("10.42.0.5")], ports)]);
    expect(chain(rules, "nat", sep("10.42.0.5:8080"))[1]).toContain("-j DNAT --to-destination 10.42.0.5:8080");
    const dnsSep = endpointChain("default/web:dns", "UDP", "10.42.0.5:5353");
    expect(chain(rules, "nat", dnsSep)[1]).toBe(
      `-m comment --comment "default/web:dns" -p udp -m udp -j DNAT --to-destination 10.42.0.5:5353`,
    );
    expect(rules.restore).not.toContain(":9090");
    expect(rules.restore).not.toContain(":5300");
  });

  it("treats a port the slices do not carry as having no endpoints", () => {
    const rules = build([service({ ports: [{ name: "admin", port: 81 }] })], [slice([ready("10.42.0.5")])]);
    expect(chain(rules, "filter", "KFLARE-SERVICES")[0]).toContain('"default/web:admin has no endpoints"');
  });

  it("names an unnamed port by its service alone", () => {
    const rules = build(
      [service({ ports: [{ port: 80 }] })],
      [slice([ready("10.42.0.5")], [{ name: "", port: 8080 }])],
    );
    expect(rules.tables.nat.chains).toContain(portChain("SVC", "default/web", "TCP"));
  });

  it("skips headless, ExternalName and IPv6 services", () => {
    const rules = build(
      [
        service({ clusterIP: "None", ports: httpPort }),
        service({ type: "ExternalName", clusterIP: undefined, ports: httpPort }, "ext"),
        service({ clusterIP: "fd00::10", ports: httpPort }, "v6"),
      ],
      [slice([ready("10.42.0.5")])],
    );
    expect(rules.tables.nat.chains.filter((c) => /-(SVC|SEP)-/.test(c))).toEqual([]);
    expect(rules.tables.filter.rules.filter((r) => r.includes("REJECT"))).toEqual([]);
  });
});

describe("NodePort", () => {
  const nodePortService = (spec: Service["spec"] = {}) =>
    service({ type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 30080 }], ...spec });
  const ext = portChain("EXT", WEB, "TCP");
  const svl = portChain("SVL", WEB, "TCP");

  it("enters through the node's addresses, masquerades, then balances over all endpoints", () => {
    const rules = build([nodePortService()], [slice([ready("10.42.0.5"), ready("10.42.1.5", "node-b")])], {
      nodeAddresses: ["192.168.1.5", "10.0.0.5", "fe80::1"],
    });
    expect(chain(rules, "nat", "KFLARE-NODEPORTS")).toEqual([
      `-m comment --comment "${WEB}" -p tcp -m tcp --dport 30080 -j ${ext}`,
    ]);
    expect(chain(rules, "nat", ext)).toEqual([
      `-m comment --comment "masquerade traffic for ${WEB} external destinations" -j KFLARE-MARK-MASQ`,
      `-j ${svc}`,
    ]);
    expect(chain(rules, "nat", "KFLARE-SERVICES").slice(-2)).toEqual([
      '-m comment --comment "kflare service nodeports; must be the last rule in this chain" -d 192.168.1.5/32 -j KFLARE-NODEPORTS',
      '-m comment --comment "kflare service nodeports; must be the last rule in this chain" -d 10.0.0.5/32 -j KFLARE-NODEPORTS',
    ]);
  });

  it("matches every local address but loopback when no node address is given", () => {
    const rules = build([nodePortService()], [slice([ready("10.42.0.5")])], { nodeAddresses: [] });
    expect(chain(rules, "nat", "KFLARE-SERVICES").at(-1)).toContain(
      "! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j KFLARE-NODEPORTS",
    );
  });

  it("ignores nodePort on a ClusterIP service", () => {
    const rules = build(
      [service({ ports: [{ name: "http", port: 80, nodePort: 30080 }] })],
      [slice([ready("10.42.0.5")])],
    );
    expect(chain(rules, "nat", "KFLARE-NODEPORTS")).toEqual([]);
  });

  it("with externalTrafficPolicy Local keeps outside clients on this node's endpoints", () => {
    const rules = build(
      [nodePortService({ externalTrafficPolicy: "Local" })],
      [slice([ready("10.42.0.5"), ready("10.42.1.5", "node-b")])],
    );
    expect(chain(rules, "nat", ext)).toEqual([
      `-m comment --comment "pod traffic for ${WEB} external destinations" -s 10.42.0.0/16 -j ${svc}`,
      `-m comment --comment "masquerade LOCAL traffic for ${WEB} external destinations" -m addrtype --src-type LOCAL -j KFLARE-MARK-MASQ`,
      `-m comment --comment "route LOCAL traffic for ${WEB} external destinations" -m addrtype --src-type LOCAL -j ${svc}`,
      `-j ${svl}`,
    ]);
    expect(chain(rules, "nat", svl)).toEqual([
      `-m comment --comment "${WEB} -> 10.42.0.5:8080" -j ${sep("10.42.0.5:8080")}`,
    ]);
    expect(chain(rules, "nat", svc)).toHaveLength(3);
  });

  it("drops NodePort traffic under externalTrafficPolicy Local when no endpoint is local", () => {
    const rules = build([nodePortService({ externalTrafficPolicy: "Local" })], [slice([ready("10.42.1.5", "node-b")])]);
    expect(chain(rules, "filter", "KFLARE-EXTERNAL-SERVICES")).toEqual([
      `-m comment --comment "${WEB} has no local endpoints" -d 192.168.1.5/32 -p tcp -m tcp --dport 30080 -j DROP`,
    ]);
    expect(chain(rules, "nat", ext).at(-1)).not.toContain(svl);
    expect(chain(rules, "filter", "KFLARE-SERVICES")).toEqual([]);
  });
});

describe("externalIPs", () => {
  const ext = portChain("EXT", WEB, "TCP");
  const withExternalIPs = (spec: Service["spec"] = {}) =>
    service({ ports: httpPort, externalIPs: ["192.168.1.200", "fd00::1", "192.168.1.201"], ...spec });

  it("answers the service port on each IPv4 external IP, masqueraded, balanced over all endpoints", () => {
    const rules = build([withExternalIPs()], [slice([ready("10.42.0.5"), ready("10.42.1.5", "node-b")])]);
    expect(chain(rules, "nat", "KFLARE-SERVICES").filter((r) => r.includes("external IP"))).toEqual([
      `-m comment --comment "${WEB} external IP" -d 192.168.1.200/32 -p tcp -m tcp --dport 80 -j ${ext}`,
      `-m comment --comment "${WEB} external IP" -d 192.168.1.201/32 -p tcp -m tcp --dport 80 -j ${ext}`,
    ]);
    expect(chain(rules, "nat", ext)).toEqual([
      `-m comment --comment "masquerade traffic for ${WEB} external destinations" -j KFLARE-MARK-MASQ`,
      `-j ${svc}`,
    ]);
    // A ClusterIP service with external IPs has no node port.
    expect(chain(rules, "nat", "KFLARE-NODEPORTS")).toEqual([]);
  });

  it("rejects on the external IPs too when there is no endpoint", () => {
    const rules = build([withExternalIPs()], []);
    expect(chain(rules, "filter", "KFLARE-EXTERNAL-SERVICES")).toEqual([
      `-m comment --comment "${WEB} has no endpoints" -d 192.168.1.200/32 -p tcp -m tcp --dport 80 -j REJECT`,
      `-m comment --comment "${WEB} has no endpoints" -d 192.168.1.201/32 -p tcp -m tcp --dport 80 -j REJECT`,
    ]);
    expect(chain(rules, "nat", ext)).toEqual([]);
  });

  it("with externalTrafficPolicy Local keeps them on this node's endpoints, or drops them", () => {
    const svl = portChain("SVL", WEB, "TCP");
    const local = build(
      [withExternalIPs({ externalTrafficPolicy: "Local" })],
      [slice([ready("10.42.0.5"), ready("10.42.1.5", "node-b")])],
    );
    expect(chain(local, "nat", ext).at(-1)).toBe(`-j ${svl}`);
    const none = build([withExternalIPs({ externalTrafficPolicy: "Local" })], [slice([ready("10.42.1.5", "node-b")])]);
    expect(chain(none, "filter", "KFLARE-EXTERNAL-SERVICES")).toEqual([
      `-m comment --comment "${WEB} has no local endpoints" -d 192.168.1.200/32 -p tcp -m tcp --dport 80 -j DROP`,
      `-m comment --comment "${WEB} has no local endpoints" -d 192.168.1.201/32 -p tcp -m tcp --dport 80 -j DROP`,
    ]);
  });
});

describe("internalTrafficPolicy Local", () => {
  it("sends cluster IP traffic to this node's endpoints, unmasqueraded, or drops it", () => {
    const svl = portChain("SVL", WEB, "TCP");
    const local = build(
      [service({ ports: httpPort, internalTrafficPolicy: "Local" })],
      [slice([ready("10.42.0.5"), ready("10.42.1.5", "node-b")])],
    );
    expect(chain(local, "nat", "KFLARE-SERVICES")[0]).toContain(`-j ${svl}`);
    expect(chain(local, "nat", svl)).toEqual([
      `-m comment --comment "${WEB} -> 10.42.0.5:8080" -j ${sep("10.42.0.5:8080")}`,
    ]);
    expect(local.tables.nat.chains).not.toContain(svc);

    const remote = build(
      [service({ ports: httpPort, internalTrafficPolicy: "Local" })],
      [slice([ready("10.42.1.5", "node-b")])],
    );
    expect(chain(remote, "filter", "KFLARE-SERVICES")).toEqual([
      `-m comment --comment "${WEB} has no local endpoints" -d 10.43.0.10/32 -p tcp -m tcp --dport 80 -j DROP`,
    ]);
    expect(chain(remote, "nat", "KFLARE-SERVICES").some((r) => r.includes("10.43.0.10"))).toBe(false);
  });
});

describe("session affinity", () => {
  it("checks recent clients first and records the endpoint picked", () => {
    const rules = build(
      [
        service({
          ports: httpPort,
          sessionAffinity: "ClientIP",
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
        }),
      ],
      [slice([ready("10.42.0.1"), ready("10.42.0.2")])],
    );
    const [a, b] = [sep("10.42.0.1:8080"), sep("10.42.0.2:8080")];
    expect(chain(rules, "nat", svc).slice(1)).toEqual([
      `-m comment --comment "${WEB} -> 10.42.0.1:8080" -m recent --name ${a} --mask 255.255.255.255 --rsource --rcheck --seconds 60 --reap -j ${a}`,
      `-m comment --comment "${WEB} -> 10.42.0.2:8080" -m recent --name ${b} --mask 255.255.255.255 --rsource --rcheck --seconds 60 --reap -j ${b}`,
      `-m comment --comment "${WEB} -> 10.42.0.1:8080" -m statistic --mode random --probability 0.5000000000 -j ${a}`,
      `-m comment --comment "${WEB} -> 10.42.0.2:8080" -j ${b}`,
    ]);
    expect(chain(rules, "nat", a)[1]).toBe(
      `-m comment --comment "${WEB}" -p tcp -m recent --name ${a} --mask 255.255.255.255 --rsource --set -m tcp -j DNAT --to-destination 10.42.0.1:8080`,
    );
  });

  it("defaults the timeout to 10800 seconds", () => {
    const rules = build([service({ ports: httpPort, sessionAffinity: "ClientIP" })], [slice([ready("10.42.0.1")])]);
    expect(chain(rules, "nat", svc)[1]).toContain("--rcheck --seconds 10800 --reap");
  });
});

describe("node-wide chains and output", () => {
  it("masquerades marked packets once and accepts them in FORWARD", () => {
    const rules = build([], []);
    expect(chain(rules, "nat", "KFLARE-MARK-MASQ")).toEqual(["-j MARK --or-mark 0x4000"]);
    expect(chain(rules, "nat", "KFLARE-POSTROUTING")).toEqual([
      // Pod to pod keeps its source; anything else a pod sends leaves from the node's address.
      '-m comment --comment "kflare pod-to-pod traffic keeps its source" -s 10.42.0.0/16 -d 10.42.0.0/16 -m mark ! --mark 0x4000/0x4000 -j ACCEPT',
      '-m comment --comment "kflare pod traffic leaving the cluster" -s 10.42.0.0/16 ! -d 224.0.0.0/4 -m mark ! --mark 0x4000/0x4000 -j MASQUERADE --random-fully',
      "-m mark ! --mark 0x4000/0x4000 -j RETURN",
      "-j MARK --xor-mark 0x4000",
      '-m comment --comment "kflare service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
    expect(chain(rules, "filter", "KFLARE-FORWARD")[0]).toContain("-m mark --mark 0x4000/0x4000 -j ACCEPT");
    expect(rules.jumps.map((j) => `${j.table} ${j.chain} -> ${j.args.at(-1)}`)).toEqual([
      "nat PREROUTING -> KFLARE-SERVICES",
      "nat OUTPUT -> KFLARE-SERVICES",
      "nat POSTROUTING -> KFLARE-POSTROUTING",
      "filter INPUT -> KFLARE-EXTERNAL-SERVICES",
      "filter FORWARD -> KFLARE-SERVICES",
      "filter FORWARD -> KFLARE-EXTERNAL-SERVICES",
      "filter FORWARD -> KFLARE-FORWARD",
      "filter OUTPUT -> KFLARE-SERVICES",
    ]);
  });

  it("uses the pod CIDR when no cluster CIDR is given, and no masquerade rule with neither", () => {
    const input = [[service({ ports: httpPort })], [slice([ready("10.42.0.1")])]] as const;
    const podOnly = build([...input[0]], [...input[1]], { clusterCIDR: undefined, podCIDR: "10.42.0.0/24" });
    expect(chain(podOnly, "nat", svc)[0]).toContain("! -s 10.42.0.0/24 -j KFLARE-MARK-MASQ");
    const neither = build([...input[0]], [...input[1]], { clusterCIDR: undefined });
    expect(chain(neither, "nat", svc)).toHaveLength(1);
    expect(() => build([], [], { clusterCIDR: "10.42.0.0" })).toThrow(/not an IPv4 CIDR/);
  });

  it("is deterministic whatever the input order, with kube-proxy-style chain names", () => {
    const services = [service({ ports: httpPort }), service({ ports: httpPort, clusterIP: "10.43.0.20" }, "api")];
    const slices = [slice([ready("10.42.0.2"), ready("10.42.0.1")]), slice([ready("10.42.0.3")], undefined, "api")];
    const a = build(services, slices);
    const b = build([...services].reverse(), [...slices].reverse());
    expect(b.restore).toBe(a.restore);
    for (const c of a.tables.nat.chains) expect(c.length).toBeLessThanOrEqual(28);
    expect(svc).toMatch(/^KFLARE-SVC-[A-Z2-7]{16}$/);
    expect(base32Prefix(Buffer.from("foobar"), 10)).toBe("MZXW6YTBOI"); // RFC 4648 test vector
    expect(base32Prefix(Buffer.from("fo"), 4)).toBe("MZXQ");
  });

  it("renders restore input that empties, rewrites and deletes chains", () => {
    const rules = build([service({ ports: httpPort })], [slice([ready("10.42.0.1")])]);
    const text = restoreText(rules.tables, { nat: ["KFLARE-SVC-OLD", svc], filter: [] });
    const nat = text.slice(0, text.indexOf("COMMIT"));
    expect(nat.startsWith("*nat\n:KFLARE-SERVICES - [0:0]\n")).toBe(true);
    expect(nat).toContain(":KFLARE-SVC-OLD - [0:0]\n");
    expect(nat.endsWith("-X KFLARE-SVC-OLD\n")).toBe(true);
    expect(text).not.toContain(`-X ${svc}`);
    expect(text.endsWith("COMMIT\n")).toBe(true);
    expect(text.match(/^COMMIT$/gm)).toHaveLength(2);
  });
});
