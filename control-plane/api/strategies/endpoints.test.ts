import { describe, expect, it } from "vitest";
import type { Endpoints } from "../../../schemas/core/endpoints.ts";
import type { EndpointSlice } from "../../../schemas/discovery/endpointslice.ts";
import { endpointSliceStrategy, endpointsStrategy } from "./endpoints.ts";

function endpoints(subsets: unknown): Endpoints {
  const { object } = endpointsStrategy.decode(
    { apiVersion: "v1", kind: "Endpoints", metadata: { name: "ext", namespace: "default" }, subsets },
    "Strict",
  );
  endpointsStrategy.applyDefaults(object);
  return object;
}

function slice(fields: Record<string, unknown>): EndpointSlice {
  const { object } = endpointSliceStrategy.decode(
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "ext-1", namespace: "default" },
      ...fields,
    },
    "Strict",
  );
  endpointSliceStrategy.applyDefaults(object);
  return object;
}

const fields = (causes: { field?: string }[]) => causes.map((c) => c.field);

describe("Endpoints", () => {
  it("accepts a hand-made list for a Service without selector, defaulting the protocol", () => {
    const ep = endpoints([{ addresses: [{ ip: "192.168.1.20" }], ports: [{ port: 5432 }] }]);
    expect(ep.subsets?.[0]?.ports?.[0]?.protocol).toBe("TCP");
    expect(endpointsStrategy.validate(ep)).toEqual([]);
  });

  it("names each bad field: address, loopback, port, unnamed ports among several", () => {
    const ep = endpoints([
      {
        addresses: [{ ip: "not-an-ip" }, { ip: "127.0.0.1" }],
        ports: [{ port: 70000 }, { name: "b", port: 80, protocol: "ICMP" }],
      },
      {},
    ]);
    expect(fields(endpointsStrategy.validate(ep))).toEqual([
      "subsets[0].addresses[0].ip",
      "subsets[0].addresses[1].ip",
      "subsets[0].ports[0].name",
      "subsets[0].ports[0].port",
      "subsets[0].ports[1].protocol",
      "subsets[1]",
    ]);
  });
});

describe("EndpointSlice", () => {
  it("accepts a valid slice and defaults port protocols", () => {
    const s = slice({
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.42.0.5"], conditions: { ready: true } }],
      ports: [{ name: "http", port: 8080 }],
    });
    expect(s.ports?.[0]?.protocol).toBe("TCP");
    expect(endpointSliceStrategy.validate(s)).toEqual([]);
  });

  it("refuses a missing or unknown addressType, addresses of the wrong family, duplicate port names", () => {
    expect(fields(endpointSliceStrategy.validate(slice({})))).toEqual(["addressType"]);
    const bad = slice({
      addressType: "IPv6",
      endpoints: [{ addresses: ["10.42.0.5"] }, { addresses: [] }],
      ports: [
        { name: "a", port: 1 },
        { name: "a", port: 2 },
      ],
    });
    expect(fields(endpointSliceStrategy.validate(bad))).toEqual([
      "endpoints[0].addresses[0]",
      "endpoints[1].addresses",
      "ports[1].name",
    ]);
  });

  it("keeps addressType once set", () => {
    const old = slice({ addressType: "IPv4" });
    expect(fields(endpointSliceStrategy.validateUpdate(slice({ addressType: "FQDN" }), old))).toEqual(["addressType"]);
  });
});
