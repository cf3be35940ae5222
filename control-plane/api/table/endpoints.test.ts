import { describe, expect, it } from "vitest";
import { endpointSlicePrinter, endpointsPrinter } from "./endpoints.ts";
import { NOW, obj } from "./testing.ts";

describe("endpoints printer", () => {
  it.each([
    [[], "<none>"],
    [[{ addresses: [{ ip: "10.42.0.5" }], ports: [{ port: 8080 }] }], "10.42.0.5:8080"],
    [[{ addresses: [{ ip: "10.42.0.5" }] }], "10.42.0.5"],
    [
      [
        {
          addresses: [{ ip: "10.42.0.5" }, { ip: "10.42.0.6" }],
          notReadyAddresses: [{ ip: "10.42.0.7" }],
          ports: [{ port: 80 }, { port: 443 }],
        },
      ],
      "10.42.0.5:80,10.42.0.6:80,10.42.0.5:443 + 1 more...",
    ],
  ])("%j", (subsets, cell) => {
    expect(endpointsPrinter.print(obj("v1", "Endpoints", { subsets }), NOW).cells).toEqual(["x", cell, "5m"]);
  });
});

describe("endpointslice printer", () => {
  it("prints address type, ports and the first three addresses", () => {
    const slice = obj("discovery.k8s.io/v1", "EndpointSlice", {
      addressType: "IPv4",
      ports: [{ port: 8080 }],
      endpoints: [1, 2, 3, 4].map((i) => ({ addresses: [`10.42.0.${i}`] })),
    });
    expect(endpointSlicePrinter.print(slice, NOW).cells).toEqual([
      "x",
      "IPv4",
      "8080",
      "10.42.0.1,10.42.0.2,10.42.0.3 + 1 more...",
      "5m",
    ]);
    expect(
      endpointSlicePrinter.print(obj("discovery.k8s.io/v1", "EndpointSlice", { addressType: "IPv4" }), NOW).cells,
    ).toEqual(["x", "IPv4", "<unset>", "<none>", "5m"]);
  });
});
