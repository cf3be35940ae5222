import { describe, expect, it } from "vitest";
import type { Ingress, IngressClass } from "../../../schemas/networking/ingress.ts";
import { ingressClassStrategy, ingressStrategy } from "./ingress.ts";

function ingress(spec: unknown): Ingress {
  const { object } = ingressStrategy.decode(
    { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "web", namespace: "default" }, spec },
    "Strict",
  );
  return object;
}

const fields = (causes: { field?: string }[]) => causes.map((c) => c.field);
const backend = { service: { name: "web-app", port: { number: 80 } } };

describe("Ingress validation", () => {
  it("accepts what `kubectl create ingress web --rule=web.example/*=web-app:80` sends", () => {
    const ing = ingress({
      rules: [{ host: "web.example", http: { paths: [{ path: "/", pathType: "Prefix", backend }] } }],
    });
    expect(ingressStrategy.validate(ing)).toEqual([]);
    expect(
      ingressStrategy.validate(
        ingress({ rules: [{ host: "*.example.org", http: { paths: [{ path: "/", pathType: "Prefix", backend }] } }] }),
      ),
    ).toEqual([]);
  });

  it("names each bad field: no rules or backend, IP host, missing pathType, relative path, two port forms", () => {
    expect(fields(ingressStrategy.validate(ingress({})))).toEqual(["spec"]);
    const bad = ingress({
      rules: [
        {
          host: "10.0.0.1",
          http: {
            paths: [
              { path: "/", backend },
              { path: "api", pathType: "Prefix", backend },
              { path: "/a//b", pathType: "Exact", backend },
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "web-app", port: { name: "http", number: 80 } } },
              },
              { path: "/", pathType: "Prefix", backend: {} },
            ],
          },
        },
      ],
    });
    expect(fields(ingressStrategy.validate(bad))).toEqual([
      "spec.rules[0].host",
      "spec.rules[0].http.paths[0].pathType",
      "spec.rules[0].http.paths[1].path",
      "spec.rules[0].http.paths[2].path",
      "spec.rules[0].http.paths[3].backend.service.port",
      "spec.rules[0].http.paths[4].backend",
    ]);
  });
});

describe("IngressClass validation", () => {
  function ic(spec: unknown): IngressClass {
    return ingressClassStrategy.decode(
      { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "x" }, spec },
      "Strict",
    ).object;
  }

  it("wants a domain-prefixed controller that never changes", () => {
    expect(ingressClassStrategy.validate(ic({ controller: "kflare.dev/ingress" }))).toEqual([]);
    expect(fields(ingressClassStrategy.validate(ic({ controller: "nginx" })))).toEqual(["spec.controller"]);
    expect(fields(ingressClassStrategy.validate(ic({})))).toEqual(["spec.controller"]);
    expect(
      fields(
        ingressClassStrategy.validateUpdate(ic({ controller: "a.io/b" }), ic({ controller: "kflare.dev/ingress" })),
      ),
    ).toEqual(["spec.controller"]);
  });
});
