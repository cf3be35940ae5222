import { describe, expect, it } from "vitest";
import { ingressClassPrinter, ingressPrinter } from "./ingresses.ts";
import { NOW, obj } from "./testing.ts";

describe("ingress printer", () => {
  it("prints class, hosts, address and ports as kubectl shows them", () => {
    const ing = obj("networking.k8s.io/v1", "Ingress", {
      spec: { ingressClassName: "kflare", rules: [{ host: "web.example" }, {}], tls: [{ hosts: ["web.example"] }] },
      status: { loadBalancer: { ingress: [{ hostname: "web.example.kflare.dev" }] } },
    });
    expect(ingressPrinter.print(ing, NOW).cells).toEqual([
      "x",
      "kflare",
      "web.example,*",
      "web.example.kflare.dev",
      "80, 443",
      "5m",
    ]);
    expect(ingressPrinter.print(obj("networking.k8s.io/v1", "Ingress", { spec: {} }), NOW).cells).toEqual([
      "x",
      "<none>",
      "*",
      "",
      "80",
      "5m",
    ]);
  });
});

describe("ingressclass printer", () => {
  it("prints the controller and parameters", () => {
    const ic = obj("networking.k8s.io/v1", "IngressClass", {
      spec: {
        controller: "kflare.dev/ingress",
        parameters: { apiGroup: "k8s.example.com", kind: "Params", name: "p" },
      },
    });
    expect(ingressClassPrinter.print(ic, NOW).cells).toEqual([
      "x",
      "kflare.dev/ingress",
      "Params.k8s.example.com/p",
      "5m",
    ]);
    expect(
      ingressClassPrinter.print(obj("networking.k8s.io/v1", "IngressClass", { spec: { controller: "a.io/b" } }), NOW)
        .cells,
    ).toEqual(["x", "a.io/b", "<none>", "5m"]);
  });
});
