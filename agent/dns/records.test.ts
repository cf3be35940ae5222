import { describe, expect, it } from "vitest";
import { ClusterRecords, type ServiceView, type SliceView } from "./records.ts";

const services: ServiceView[] = [
  {
    metadata: { name: "web-app", namespace: "default" },
    spec: { type: "ClusterIP", clusterIP: "10.43.0.20", ports: [{ name: "http", port: 80, protocol: "TCP" }] },
  },
  { metadata: { name: "db", namespace: "data" }, spec: { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] } },
  { metadata: { name: "empty", namespace: "data" }, spec: { clusterIP: "None" } },
  { metadata: { name: "ext", namespace: "default" }, spec: { type: "ExternalName", externalName: "example.org." } },
];

const slices: SliceView[] = [
  {
    metadata: { namespace: "data", labels: { "kubernetes.io/service-name": "db" } },
    ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
    endpoints: [
      { addresses: ["10.42.0.5"], hostname: "db-0", conditions: { ready: true } },
      { addresses: ["10.42.1.6"], conditions: { ready: true } },
      { addresses: ["10.42.1.7"], conditions: { ready: false } },
    ],
  },
];

function records(): ClusterRecords {
  const r = new ClusterRecords();
  r.update(services, slices);
  return r;
}

describe("cluster DNS records", () => {
  it("answers a Service's ClusterIP and its named ports, case-insensitively", () => {
    const r = records();
    expect(r.lookup("web-app.default.svc.cluster.local", "A")).toEqual({
      kind: "answer",
      records: [{ type: "A", name: "web-app.default.svc.cluster.local", address: "10.43.0.20" }],
    });
    expect(r.lookup("Web-App.Default.svc.cluster.local.", "A")).toMatchObject({ records: [{ address: "10.43.0.20" }] });
    expect(r.lookup("_http._tcp.web-app.default.svc.cluster.local", "SRV")).toMatchObject({
      records: [{ type: "SRV", port: 80, target: "web-app.default.svc.cluster.local" }],
    });
  });

  it("answers a headless Service with its ready endpoints, each under its own name", () => {
    const r = records();
    const all = r.lookup("db.data.svc.cluster.local", "A");
    expect(all.kind === "answer" && all.records.map((x) => (x.type === "A" ? x.address : "")).sort()).toEqual([
      "10.42.0.5",
      "10.42.1.6",
    ]);
    expect(r.lookup("db-0.db.data.svc.cluster.local", "A")).toMatchObject({ records: [{ address: "10.42.0.5" }] });
    expect(r.lookup("10-42-1-6.db.data.svc.cluster.local", "A")).toMatchObject({ records: [{ address: "10.42.1.6" }] });
    const srv = r.lookup("_pg._tcp.db.data.svc.cluster.local", "SRV");
    expect(srv.kind === "answer" && srv.records.map((x) => (x.type === "SRV" ? x.target : "")).sort()).toEqual([
      "10-42-1-6.db.data.svc.cluster.local",
      "db-0.db.data.svc.cluster.local",
    ]);
  });

  it("tells names that exist without such records (NODATA) from names that do not (NXDOMAIN)", () => {
    const r = records();
    expect(r.lookup("web-app.default.svc.cluster.local", "AAAA")).toEqual({ kind: "answer", records: [] });
    expect(r.lookup("empty.data.svc.cluster.local", "A")).toEqual({ kind: "answer", records: [] });
    expect(r.lookup("default.svc.cluster.local", "A")).toEqual({ kind: "answer", records: [] });
    expect(r.lookup("nope.default.svc.cluster.local", "A")).toEqual({ kind: "nxdomain" });
    expect(r.lookup("web-app.default.svc.cluster.local.default.svc.cluster.local", "A")).toEqual({ kind: "nxdomain" });
  });

  it("answers pod names from their address, ExternalName with a CNAME, and forwards the rest", () => {
    const r = records();
    expect(r.lookup("10-42-0-9.default.pod.cluster.local", "A")).toMatchObject({ records: [{ address: "10.42.0.9" }] });
    expect(r.lookup("10-42-0-999.default.pod.cluster.local", "A")).toEqual({ kind: "nxdomain" });
    expect(r.lookup("ext.default.svc.cluster.local", "A")).toMatchObject({
      records: [{ type: "CNAME", target: "example.org" }],
    });
    expect(r.lookup("example.org", "A")).toEqual({ kind: "forward" });
  });

  it("answers reverse lookups of ClusterIPs and headless endpoints, forwarding other addresses", () => {
    const r = records();
    expect(r.lookup("20.0.43.10.in-addr.arpa", "PTR")).toEqual({
      kind: "answer",
      records: [{ type: "PTR", name: "20.0.43.10.in-addr.arpa", target: "web-app.default.svc.cluster.local" }],
    });
    expect(r.lookup("5.0.42.10.in-addr.arpa", "PTR")).toMatchObject({
      records: [{ target: "db-0.db.data.svc.cluster.local" }],
    });
    expect(r.lookup("6.1.42.10.in-addr.arpa", "PTR")).toMatchObject({
      records: [{ target: "10-42-1-6.db.data.svc.cluster.local" }],
    });
    expect(r.lookup("1.1.168.192.in-addr.arpa", "PTR")).toEqual({ kind: "forward" });
  });

  it("follows updates: a deleted Service's name is gone", () => {
    const r = records();
    r.update(services.slice(1), slices);
    expect(r.lookup("web-app.default.svc.cluster.local", "A")).toEqual({ kind: "nxdomain" });
  });
});
