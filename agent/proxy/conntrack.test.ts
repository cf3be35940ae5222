// Which UDP flows the proxy deletes, from conntrack's own output and the cluster's Services: flows
// to a UDP frontend whose replies come from no current endpoint, and nothing else.
import { describe, expect, it } from "vitest";
import { parseUdpFlows, staleUdpFlows, type UdpFlow, udpServicePorts } from "./conntrack.ts";
import type { ProxyInput } from "./types.ts";

// As `conntrack -L -p udp` prints them (conntrack-tools 1.4.7), with a TCP line that must be skipped.
const LISTED = `udp      17 28 src=10.42.0.5 dst=10.43.0.10 sport=40001 dport=53 src=192.168.1.20 dst=10.42.0.5 sport=10053 dport=40001 mark=0 use=1
udp      17 29 src=10.42.0.5 dst=10.43.0.20 sport=40002 dport=5000 src=10.42.0.9 dst=10.42.0.5 sport=5000 dport=40002 [ASSURED] mark=0 use=1
udp      17 25 src=10.42.0.6 dst=10.43.0.20 sport=40003 dport=5000 [UNREPLIED] src=10.43.0.20 dst=10.42.0.6 sport=5000 dport=40003 mark=0 use=1
udp      17 27 src=192.168.1.50 dst=192.168.1.20 sport=40004 dport=30500 src=10.42.0.7 dst=192.168.1.50 sport=5000 dport=40004 mark=0 use=1
udp      17 27 src=10.42.0.5 dst=1.1.1.1 sport=40005 dport=53 src=1.1.1.1 dst=192.168.1.20 sport=53 dport=40005 mark=0 use=1
tcp      6 431999 ESTABLISHED src=10.42.0.5 dst=10.43.0.20 sport=40006 dport=5000 src=10.42.0.8 dst=10.42.0.5 sport=5000 dport=40006 [ASSURED] mark=0 use=1
`;

const input = (gameEndpoints: string[]): ProxyInput => ({
  services: [
    {
      metadata: { name: "kube-dns", namespace: "kube-system" },
      spec: { clusterIP: "10.43.0.10", ports: [{ name: "dns", port: 53, protocol: "UDP" }] },
    },
    {
      metadata: { name: "game", namespace: "default" },
      spec: {
        type: "NodePort",
        clusterIP: "10.43.0.20",
        ports: [
          { name: "game", port: 5000, protocol: "UDP", nodePort: 30500 },
          { name: "web", port: 5000, protocol: "TCP", nodePort: 30501 },
        ],
      },
    },
  ],
  endpointSlices: [
    {
      metadata: { name: "dns", namespace: "kube-system", labels: { "kubernetes.io/service-name": "kube-dns" } },
      addressType: "IPv4",
      ports: [{ name: "dns", port: 10053, protocol: "UDP" }],
      endpoints: [{ addresses: ["192.168.1.20"], conditions: { ready: true } }],
    },
    {
      metadata: { name: "game-1", namespace: "default", labels: { "kubernetes.io/service-name": "game" } },
      addressType: "IPv4",
      ports: [
        { name: "game", port: 5000, protocol: "UDP" },
        { name: "web", port: 5000, protocol: "TCP" },
      ],
      endpoints: gameEndpoints.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    },
  ],
  nodeName: "node-a",
  nodeAddresses: ["192.168.1.20"],
  clusterCIDR: "10.42.0.0/16",
});

const sports = (flows: UdpFlow[]) => flows.map((f) => f.sport);

describe("stale UDP flows", () => {
  it("reads both directions of each UDP flow", () => {
    const flows = parseUdpFlows(LISTED);
    expect(flows).toHaveLength(5);
    expect(flows[0]).toEqual({
      src: "10.42.0.5",
      dst: "10.43.0.10",
      sport: 40001,
      dport: 53,
      replySrc: "192.168.1.20",
      replySport: 10053,
    });
    expect(flows[2]).toMatchObject({ dst: "10.43.0.20", replySrc: "10.43.0.20" }); // never DNATed
  });

  it("keeps flows to current endpoints and deletes those to a gone endpoint or never DNATed", () => {
    const flows = parseUdpFlows(LISTED);
    // 10.42.0.9 is still an endpoint: only the flow that was never DNATed (it began while the
    // Service had none) and the NodePort flow to 10.42.0.7 (gone) are stale. DNS and the flow to
    // 1.1.1.1 (no Service) are left alone.
    const ports = udpServicePorts(input(["10.42.0.9"]));
    expect(sports(staleUdpFlows(flows, ports, ["192.168.1.20"]))).toEqual([40003, 40004]);
    // Every endpoint gone: the ClusterIP flow to 10.42.0.9 is stale too.
    expect(sports(staleUdpFlows(flows, udpServicePorts(input([])), ["192.168.1.20"]))).toEqual([40002, 40003, 40004]);
    // 10.42.0.7 back: its NodePort flow is live again.
    const both = udpServicePorts(input(["10.42.0.7", "10.42.0.9"]));
    expect(sports(staleUdpFlows(flows, both, ["192.168.1.20"]))).toEqual([40003]);
  });

  it("matches a NodePort only on the node's own addresses, or any when none are given", () => {
    const flows = parseUdpFlows(LISTED).filter((f) => f.dport === 30500);
    const ports = udpServicePorts(input(["10.42.0.9"]));
    expect(staleUdpFlows(flows, ports, ["192.168.1.99"])).toEqual([]);
    expect(sports(staleUdpFlows(flows, ports, []))).toEqual([40004]);
  });

  it("has nothing to say about TCP, headless or ExternalName Services", () => {
    const ports = udpServicePorts({
      ...input(["10.42.0.9"]),
      services: [
        {
          metadata: { name: "web", namespace: "default" },
          spec: { clusterIP: "10.43.0.30", ports: [{ port: 80 }] },
        },
        {
          metadata: { name: "headless", namespace: "default" },
          spec: { clusterIP: "None", ports: [{ port: 53, protocol: "UDP" }] },
        },
        { metadata: { name: "ext", namespace: "default" }, spec: { type: "ExternalName" } },
      ],
    });
    expect(ports).toEqual([]);
  });
});
