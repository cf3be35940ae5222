import { describe, expect, it } from "vitest";
import type { Pod } from "../../schemas/core/pod.ts";
import { type DnsSettings, podDnsConfig } from "./dns-config.ts";

const settings: DnsSettings = {
  clusterDNS: ["10.43.0.10"],
  clusterDomain: "cluster.local",
  host: { nameservers: ["192.168.1.1"], searches: ["home.lan"], options: ["edns0"] },
};

function pod(spec: Pod["spec"], namespace = "shop"): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace }, spec };
}

describe("pod resolv.conf", () => {
  it("ClusterFirst (the default): cluster DNS, namespace search paths first, ndots:5", () => {
    expect(podDnsConfig(pod({ containers: [] }), settings)).toEqual({
      servers: ["10.43.0.10"],
      searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "home.lan"],
      options: ["ndots:5"],
    });
  });

  it("hostNetwork pods use the node's resolvers unless ClusterFirstWithHostNet", () => {
    expect(podDnsConfig(pod({ containers: [], hostNetwork: true }), settings).servers).toEqual(["192.168.1.1"]);
    expect(
      podDnsConfig(pod({ containers: [], hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }), settings).servers,
    ).toEqual(["10.43.0.10"]);
  });

  it("Default copies the node's resolv.conf; ClusterFirst does too while no cluster DNS is known", () => {
    const host = { servers: ["192.168.1.1"], searches: ["home.lan"], options: ["edns0"] };
    expect(podDnsConfig(pod({ containers: [], dnsPolicy: "Default" }), settings)).toEqual(host);
    expect(podDnsConfig(pod({ containers: [] }), { ...settings, clusterDNS: [] })).toEqual(host);
  });

  it("None takes dnsConfig alone; dnsConfig adds to others and overrides options by name", () => {
    const dnsConfig = {
      nameservers: ["1.1.1.1"],
      searches: ["example.org"],
      options: [{ name: "ndots", value: "2" }, { name: "single-request" }],
    };
    expect(podDnsConfig(pod({ containers: [], dnsPolicy: "None", dnsConfig }), settings)).toEqual({
      servers: ["1.1.1.1"],
      searches: ["example.org"],
      options: ["ndots:2", "single-request"],
    });
    const merged = podDnsConfig(pod({ containers: [], dnsConfig }), settings);
    expect(merged.servers).toEqual(["10.43.0.10", "1.1.1.1"]);
    expect(merged.options).toEqual(["ndots:2", "single-request"]);
  });
});
