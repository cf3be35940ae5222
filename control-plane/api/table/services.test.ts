import { describe, expect, it } from "vitest";
import { servicePrinter } from "./services.ts";
import { NOW, obj } from "./testing.ts";

const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
  obj("v1", "Service", { spec, status }, { name: "web" });

describe("service printer", () => {
  it.each([
    [
      "ClusterIP",
      svc({
        type: "ClusterIP",
        clusterIP: "10.96.0.10",
        clusterIPs: ["10.96.0.10"],
        ports: [{ port: 80, protocol: "TCP" }],
        selector: { app: "web" },
      }),
      ["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP", "5m", "app=web"],
    ],
    [
      "ClusterIP with external IPs and several ports",
      svc({
        type: "ClusterIP",
        clusterIPs: ["10.96.0.11", "fd00::11"],
        externalIPs: ["203.0.113.7", "203.0.113.8"],
        ports: [
          { port: 53, protocol: "UDP" },
          { port: 53, protocol: "TCP" },
        ],
        selector: { k8s: "dns", app: "coredns" },
      }),
      ["web", "ClusterIP", "10.96.0.11", "203.0.113.7,203.0.113.8", "53/UDP,53/TCP", "5m", "app=coredns,k8s=dns"],
    ],
    [
      "headless",
      svc({ type: "ClusterIP", clusterIP: "None", clusterIPs: ["None"] }),
      ["web", "ClusterIP", "None", "<none>", "<none>", "5m", "<none>"],
    ],
    [
      "NodePort",
      svc({ type: "NodePort", clusterIPs: ["10.96.0.12"], ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }] }),
      ["web", "NodePort", "10.96.0.12", "<none>", "80:30080/TCP", "5m", "<none>"],
    ],
    [
      "LoadBalancer, pending",
      svc({
        type: "LoadBalancer",
        clusterIPs: ["10.96.0.13"],
        ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }],
      }),
      ["web", "LoadBalancer", "10.96.0.13", "<pending>", "443:31443/TCP", "5m", "<none>"],
    ],
    [
      "LoadBalancer with ingress IPs and hostnames, sorted and de-duplicated, never clipped",
      svc(
        { type: "LoadBalancer", clusterIPs: ["10.96.0.14"], ports: [{ port: 80, nodePort: 30001, protocol: "TCP" }] },
        {
          loadBalancer: {
            ingress: [
              { ip: "198.51.100.9" },
              { hostname: "a-very-long-hostname.lb.example.com" },
              { ip: "198.51.100.9" },
            ],
          },
        },
      ),
      [
        "web",
        "LoadBalancer",
        "10.96.0.14",
        "198.51.100.9,a-very-long-hostname.lb.example.com",
        "80:30001/TCP",
        "5m",
        "<none>",
      ],
    ],
    [
      "LoadBalancer with external IPs too",
      svc(
        { type: "LoadBalancer", clusterIPs: ["10.96.0.15"], externalIPs: ["203.0.113.1"] },
        { loadBalancer: { ingress: [{ ip: "198.51.100.1" }] } },
      ),
      ["web", "LoadBalancer", "10.96.0.15", "198.51.100.1,203.0.113.1", "<none>", "5m", "<none>"],
    ],
    [
      "LoadBalancer with only external IPs",
      svc({ type: "LoadBalancer", clusterIPs: ["10.96.0.16"], externalIPs: ["203.0.113.2"] }),
      ["web", "LoadBalancer", "10.96.0.16", "203.0.113.2", "<none>", "5m", "<none>"],
    ],
    [
      "ExternalName",
      svc({ type: "ExternalName", externalName: "db.example.com" }),
      ["web", "ExternalName", "<none>", "db.example.com", "<none>", "5m", "<none>"],
    ],
    [
      "SCTP port without node port, protocol defaulted when missing",
      svc({ type: "ClusterIP", clusterIPs: ["10.96.0.17"], ports: [{ port: 9000, protocol: "SCTP" }, { port: 8080 }] }),
      ["web", "ClusterIP", "10.96.0.17", "<none>", "9000/SCTP,8080/TCP", "5m", "<none>"],
    ],
    [
      "no spec at all",
      obj("v1", "Service", {}, { name: "web" }),
      ["web", "", "<none>", "<unknown>", "<none>", "5m", "<none>"],
    ],
  ])("%s", (_name, s, cells) => {
    expect(servicePrinter.print(s, NOW).cells).toEqual(cells);
  });

  it("has upstream's columns", () => {
    expect(servicePrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Name:0",
      "Type:0",
      "Cluster-IP:0",
      "External-IP:0",
      "Port(s):0",
      "Age:0",
      "Selector:1",
    ]);
  });
});
