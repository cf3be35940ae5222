import { describe, expect, it } from "vitest";
import { buildRoutingTable, type IngressView, lookup } from "./routing-table.ts";

function ingress(name: string, created: string, spec: IngressView["spec"]): IngressView {
  return {
    metadata: { namespace: "default", name, creationTimestamp: created },
    spec: { ingressClassName: "kflare", ...spec },
  };
}

const svc = (name: string, number = 80) => ({ service: { name, port: { number } } });

const table = buildRoutingTable(
  [
    ingress("web", "2026-01-01T00:00:00Z", {
      rules: [
        {
          host: "web.example",
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: svc("web-app") },
              { path: "/api", pathType: "Prefix", backend: svc("api") },
              { path: "/api/health", pathType: "Exact", backend: svc("health") },
            ],
          },
        },
        { host: "*.apps.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("wild") }] } },
      ],
    }),
    ingress("other-class", "2026-01-01T00:00:00Z", {
      ingressClassName: "nginx",
      rules: [{ host: "nginx.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("x") }] } }],
    }),
    ingress("late", "2026-02-01T00:00:00Z", {
      rules: [
        { host: "web.example", http: { paths: [{ path: "/api/", pathType: "Prefix", backend: svc("thief") }] } },
        { host: "exact.apps.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("exact") }] } },
      ],
    }),
    ingress("fallback", "2026-03-01T00:00:00Z", { defaultBackend: svc("catch-all") }),
  ],
  "kflare",
);

const served = (host: string, path: string) => lookup(table, host, path)?.backend.service;

describe("Ingress routing table", () => {
  it("matches Prefix by whole path elements and prefers the longest, Exact on a tie", () => {
    expect(served("web.example", "/")).toBe("web-app");
    expect(served("web.example", "/index.html")).toBe("web-app");
    expect(served("web.example", "/api")).toBe("api");
    expect(served("web.example", "/api/v1?x=1")).toBe("api");
    expect(served("web.example", "/apis")).toBe("web-app");
    expect(served("web.example", "/api/health")).toBe("health");
    expect(served("web.example", "/api/health/deep")).toBe("api");
    expect(served("WEB.example:8080", "/api")).toBe("api");
  });

  it("prefers an exact host to a wildcard of one label, and a host rule to a catch-all", () => {
    expect(served("exact.apps.example", "/")).toBe("exact");
    expect(served("other.apps.example", "/")).toBe("wild");
    expect(served("deep.other.apps.example", "/")).toBe("catch-all");
    expect(served("apps.example", "/")).toBe("catch-all");
  });

  it("keeps a contested route with the oldest Ingress and reports the newcomer", () => {
    expect(served("web.example", "/api/")).toBe("api");
    expect(table.conflicts).toEqual([
      { ingress: "default/late", host: "web.example", path: "/api", winner: "default/web" },
    ]);
  });

  it("ignores Ingresses of other classes", () => {
    expect(served("nginx.example", "/")).toBe("catch-all");
    expect(lookup(buildRoutingTable([], "kflare"), "web.example", "/")).toBeUndefined();
  });
});
