import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { planLoadBalancerStatus } from "./load-balancer.ts";

function service(type: string, status?: object): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "shop", resourceVersion: "7" },
    spec: { type, ports: [{ port: 80 }] },
    ...(status ? { status } : {}),
  };
}

describe("LoadBalancer status", () => {
  it("gives a LoadBalancer Service <name>-<namespace>.<domain>", () => {
    expect(planLoadBalancerStatus(service("LoadBalancer"), "apps.example.org")).toEqual([
      {
        type: "updateStatus",
        resource: { group: "", version: "v1", plural: "services" },
        object: expect.objectContaining({
          status: { loadBalancer: { ingress: [{ hostname: "web-shop.apps.example.org" }] } },
        }),
      },
    ]);
  });

  it("writes nothing when the hostname is already there", () => {
    const done = service("LoadBalancer", { loadBalancer: { ingress: [{ hostname: "web-shop.apps.example.org" }] } });
    expect(planLoadBalancerStatus(done, "apps.example.org")).toEqual([]);
  });

  it("takes the hostname away from a Service that is no longer a LoadBalancer", () => {
    const was = service("ClusterIP", { loadBalancer: { ingress: [{ hostname: "web-shop.apps.example.org" }] } });
    expect(planLoadBalancerStatus(was, "apps.example.org")).toMatchObject([
      { type: "updateStatus", object: { status: { loadBalancer: {} } } },
    ]);
  });

  it("leaves a LoadBalancer pending when no ingress domain is configured", () => {
    expect(planLoadBalancerStatus(service("LoadBalancer"), "")).toEqual([]);
  });
});
