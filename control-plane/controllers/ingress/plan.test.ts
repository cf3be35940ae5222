import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { planIngressCheck } from "./plan.ts";

function ingress(name: string, created: string, host: string, service: string): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", uid: `uid-${name}`, creationTimestamp: created },
    spec: {
      ingressClassName: "kflare",
      rules: [
        {
          host,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { number: 80 } } } }],
          },
        },
      ],
    },
  };
}

describe("Ingress check", () => {
  const older = ingress("web", "2026-01-01T00:00:00Z", "web.example", "web-app");
  const newer = ingress("copy", "2026-02-01T00:00:00Z", "web.example", "web-app");
  const both = [older, newer];

  it("warns the newer of two Ingresses claiming one host and path, not the older", () => {
    const services = new Set(["web-app"]);
    expect(planIngressCheck({ ingress: older, ingresses: both, services, className: "kflare" })).toEqual([]);
    expect(planIngressCheck({ ingress: newer, ingresses: both, services, className: "kflare" })).toMatchObject([
      {
        type: "event",
        event: {
          type: "Warning",
          reason: "RouteConflict",
          message:
            "host web.example path / is already served by Ingress default/web (older); this Ingress's route is not used",
        },
      },
    ]);
  });

  it("warns about a backend Service that does not exist", () => {
    const actions = planIngressCheck({ ingress: older, ingresses: [older], services: new Set(), className: "kflare" });
    expect(actions).toMatchObject([
      {
        event: {
          reason: "BackendNotFound",
          message: 'Service "web-app" not found: its routes answer 503 until it exists',
        },
      },
    ]);
  });

  it("leaves Ingresses of other classes alone", () => {
    const other = { ...older, spec: { ...(older.spec as object), ingressClassName: "nginx" } };
    expect(planIngressCheck({ ingress: other, ingresses: [other], services: new Set(), className: "kflare" })).toEqual(
      [],
    );
  });

  it("warns about a host outside the ingress domain, not about one under it", () => {
    const outside = ingress("out", "2026-01-01T00:00:00Z", "web.example", "web-app");
    const inside = ingress("in", "2026-01-01T00:00:00Z", "shop.apps.example.org", "web-app");
    const services = new Set(["web-app"]);
    const check = (i: KubeObject) =>
      planIngressCheck({ ingress: i, ingresses: [i], services, className: "kflare", domain: "apps.example.org" });
    expect(check(inside).filter((a) => a.type === "event")).toEqual([]);
    expect(check(outside)).toMatchObject([
      {
        event: {
          type: "Warning",
          reason: "HostOutsideDomain",
          message: expect.stringContaining(
            "host web.example is not under this installation's ingress domain apps.example.org",
          ),
        },
      },
    ]);
    // Without a configured domain every host is the user's business.
    expect(planIngressCheck({ ingress: outside, ingresses: [outside], services, className: "kflare" })).toEqual([]);
  });

  it("says that a tls section's Secret is not used (TLS is the edge's), once per section that names one", () => {
    const base = ingress("tls", "2026-01-01T00:00:00Z", "shop.apps.example.org", "web-app");
    const withTls = {
      ...base,
      spec: {
        ...(base.spec as object),
        tls: [{ hosts: ["shop.apps.example.org"], secretName: "shop-cert" }, { hosts: ["other.apps.example.org"] }],
      },
    };
    const actions = planIngressCheck({
      ingress: withTls,
      ingresses: [withTls],
      services: new Set(["web-app"]),
      className: "kflare",
      domain: "apps.example.org",
    }).filter((a) => a.type === "event");
    expect(actions).toMatchObject([
      {
        event: {
          type: "Warning",
          reason: "TLSSecretNotUsed",
          message:
            'TLS for shop.apps.example.org is terminated by the edge, with its certificate for apps.example.org and its subdomains; Secret "shop-cert" is not used (the local Ingress port serves plain HTTP)',
        },
      },
    ]);
  });

  it("gives an Ingress the ingress domain as its address while a route of it is served from the internet", () => {
    const services = new Set(["web-app"]);
    const check = (i: KubeObject, domain = "apps.example.org") =>
      planIngressCheck({ ingress: i, ingresses: [i], services, className: "kflare", domain });
    const inside = ingress("in", "2026-01-01T00:00:00Z", "shop.apps.example.org", "web-app");
    expect(check(inside)).toEqual([
      {
        type: "updateStatus",
        resource: { group: "networking.k8s.io", version: "v1", plural: "ingresses" },
        object: { ...inside, status: { loadBalancer: { ingress: [{ hostname: "apps.example.org" }] } } },
      },
    ]);
    // Already there: nothing to write.
    const addressed = { ...inside, status: { loadBalancer: { ingress: [{ hostname: "apps.example.org" }] } } };
    expect(check(addressed)).toEqual([]);
    // A catch-all rule (no host) is served for every host under the domain.
    expect(check(ingress("all", "2026-01-01T00:00:00Z", "", "web-app"))).toMatchObject([
      { type: "updateStatus", object: { status: { loadBalancer: { ingress: [{ hostname: "apps.example.org" }] } } } },
    ]);
    // Its only host moved outside the domain, or the domain is gone: the address goes.
    const moved = { ...addressed, spec: ingress("in", "2026-01-01T00:00:00Z", "web.example", "web-app").spec };
    expect(check(moved).filter((a) => a.type === "updateStatus")).toMatchObject([
      { object: { status: { loadBalancer: {} } } },
    ]);
    expect(check(addressed, "")).toMatchObject([{ type: "updateStatus", object: { status: { loadBalancer: {} } } }]);
  });
});
