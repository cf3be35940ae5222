import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../schemas/object.ts";
import { buildEdgeTable, routingTableOf, underDomain } from "./edge-table.ts";
import { lookup } from "./routing-table.ts";

const ingress = (host: string, service: string, port: object): KubeObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: `ing-${host}`, namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: {
    ingressClassName: "kflare",
    rules: [
      { host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port } } }] } },
    ],
  },
});

const service = (name: string, type = "ClusterIP"): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { type, ports: [{ name: "http", port: 80, targetPort: "web" }] },
});

const slice = (svc: string, port: number, endpoints: [string, boolean, string][]): KubeObject =>
  ({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${svc}-${port}`, namespace: "default", labels: { "kubernetes.io/service-name": svc } },
    ports: [{ name: "http", port }],
    endpoints: endpoints.map(([ip, ready, nodeName]) => ({ addresses: [ip], conditions: { ready }, nodeName })),
  }) as KubeObject;

const build = (objs: { ingresses?: KubeObject[]; services?: KubeObject[]; slices?: KubeObject[] }, domain = "") =>
  buildEdgeTable({
    cluster: "default",
    revision: 1,
    ingresses: objs.ingresses ?? [],
    services: objs.services ?? [],
    endpointSlices: objs.slices ?? [],
    className: "kflare",
    domain,
  });

describe("edge table", () => {
  it("resolves a backend's Service port to each ready pod's port, across slices, with the pod's node", () => {
    const t = build({
      ingresses: [ingress("web.example", "web", { number: 80 })],
      services: [service("web")],
      // Pods resolving the named targetPort differently sit in different slices.
      slices: [
        slice("web", 3000, [
          ["10.42.1.5", true, "pi-1"],
          ["10.42.1.6", false, "pi-1"],
        ]),
        slice("web", 8080, [["10.42.2.7", true, "pi-2"]]),
      ],
    });
    expect(t.backends["default/web:80"]).toEqual({
      endpoints: [
        { ip: "10.42.1.5", port: 3000, node: "pi-1" },
        { ip: "10.42.2.7", port: 8080, node: "pi-2" },
      ],
    });
  });

  it("says why a backend cannot be served", () => {
    const t = build({
      ingresses: [
        ingress("a.example", "missing", { number: 80 }),
        ingress("b.example", "web", { name: "grpc" }),
        ingress("c.example", "web", { name: "http" }),
      ],
      services: [service("web")],
      slices: [slice("web", 3000, [["10.42.1.6", false, "pi-1"]])],
    });
    expect(t.backends["default/missing:80"]?.unavailable).toBe("Service default/missing does not exist");
    expect(t.backends["default/web:grpc"]?.unavailable).toBe("Service default/web has no port grpc");
    expect(t.backends["default/web:http"]?.unavailable).toBe("Service default/web has no ready endpoints");
  });

  it("routes a LoadBalancer Service's hostname under the domain, unless an Ingress claims that host", () => {
    const lb = service("shop", "LoadBalancer");
    const t = build(
      { services: [lb], slices: [slice("shop", 3000, [["10.42.1.5", true, "pi-1"]])] },
      "apps.example.org",
    );
    const route = lookup(routingTableOf(t), "shop-default.apps.example.org", "/cart");
    expect(route?.backend).toEqual({ namespace: "default", service: "shop", port: { number: 80 } });
    expect(t.backends["default/shop:80"]?.endpoints).toHaveLength(1);
    // Without a domain there is no hostname to route.
    expect(build({ services: [lb] }).routes).toEqual([]);
    const claimed = build(
      { ingresses: [ingress("shop-default.apps.example.org", "web", { number: 80 })], services: [lb] },
      "apps.example.org",
    );
    expect(lookup(routingTableOf(claimed), "shop-default.apps.example.org", "/")?.backend.service).toBe("web");
  });

  it("knows which hosts sit under the domain", () => {
    expect(underDomain("web.apps.example.org", "apps.example.org")).toBe(true);
    expect(underDomain("WEB.Apps.Example.org:443", "apps.example.org")).toBe(true);
    expect(underDomain("apps.example.org", "apps.example.org")).toBe(false);
    expect(underDomain("evilapps.example.org", "apps.example.org")).toBe(false);
    expect(underDomain("web.example", "")).toBe(false);
  });
});
