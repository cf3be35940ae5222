import { describe, expect, it } from "vitest";
import { directSocketBindings, plugins, socketAddress } from "./direct-sockets.ts";

/** The Worker's options as Miniflare hands them to a plugin: the V4 bindings, converted. */
function workerOptions(name: string, bindings: ReturnType<typeof directSocketBindings>) {
  const env: Record<string, unknown> = { OTHER: { type: "json", value: 1 } };
  for (const b of bindings) env[b.name] = { type: `unsafe:${b.type}`, dev: { plugin: b.plugin, options: b.options } };
  return { config: { name, env } };
}

describe("direct sockets", () => {
  it("brackets IPv6 addresses as workerd parses them", () => {
    expect(socketAddress("127.0.0.1", 8787)).toBe("127.0.0.1:8787");
    expect(socketAddress("::", 8787)).toBe("[::]:8787");
  });

  it("asks Miniflare for this module's plugin", () => {
    const [binding] = directSocketBindings([{ name: "api", host: "127.0.0.1", port: 8787 }]);
    expect(binding?.plugin.package).toMatch(/cli\/direct-sockets\.ts$/);
    expect(Object.keys(plugins)).toEqual([binding?.plugin.name]);
  });

  it("contributes an HTTPS socket into the Worker and a plain one into a named entrypoint", () => {
    const tls = { privateKey: "KEY", certificateChain: "CHAIN" };
    const bindings = directSocketBindings([
      { name: "api", host: "0.0.0.0", port: 8787, tls },
      { name: "ingress", host: "0.0.0.0", port: 8080, entrypoint: "IngressEntrypoint" },
    ]);
    const plugin = Object.values(plugins)[0]!;
    const { sockets } = plugin.getServices({ options: workerOptions("kflare", bindings) });
    expect(sockets).toEqual([
      {
        name: "kflare-api",
        address: "0.0.0.0:8787",
        service: { name: "core:user:kflare" },
        https: { options: {}, tlsOptions: { keypair: tls } },
      },
      {
        name: "kflare-ingress",
        address: "0.0.0.0:8080",
        service: { name: "core:user:kflare", entrypoint: "IngressEntrypoint" },
        http: {},
      },
    ]);
    // Neither lets workerd take the cf object from a header, nor opens Cap'n Proto over CONNECT.
    expect(JSON.stringify(sockets)).not.toMatch(/cfBlobHeader|capnpConnectHost/);
  });
});
