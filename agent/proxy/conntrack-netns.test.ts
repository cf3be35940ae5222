// Stale UDP flows against the real kernel, in a network namespace made for this file: a UDP Service
// (10.43.0.10:53) whose endpoints are two echo servers on the namespace's loopback, programmed by
// the proxy's own rules. A client that keeps its source port keeps its conntrack flow, so after
// the Service moves to the other endpoint it still reaches the old one, until the proxy deletes
// the flow. Needs root, iptables, conntrack, iproute2 and util-linux (installed when root on
// Debian); without them it skips and says why, except in CI.
import { execFile, execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { installContainerPackages } from "../../test/setup/containerd.ts";
import { TestNetns } from "../../test/tools/netns.ts";
import { clearStaleUdpFlows } from "./conntrack.ts";
import { syncProxyRules } from "./iptables.ts";
import { buildProxyRules } from "./rules.ts";
import type { ProxyInput } from "./types.ts";

const CLUSTER_IP = "10.43.0.10";
const ENDPOINTS = { a: "10.42.0.11", b: "10.42.0.12" } as const;
const TARGET_PORT = 5353;
const CLIENT_PORT = 41000;

function whyUnavailable(): string | undefined {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "network namespaces, iptables and conntrack need root";
  const missing = installContainerPackages();
  if (missing.length > 0) return `missing ${missing.join(", ")}: apt-get install ${missing.join(" ")}`;
  for (const [tool, args] of [
    ["conntrack", ["--version"]],
    ["nsenter", ["--version"]],
    ["ip", ["-V"]],
  ] as const) {
    try {
      execFileSync(tool, [...args], { stdio: "pipe" });
    } catch {
      return `${tool} does not run`;
    }
  }
  return undefined;
}

const unavailable = whyUnavailable();
const skip = unavailable !== undefined && process.env.CI !== "true";
if (skip) console.warn(`skipping the real conntrack tests: ${unavailable}`);

// Answers every datagram on each "ip:port=name" argument with the name; says "ready".
const SERVER = `
const dgram = require("node:dgram");
const specs = process.argv.slice(1);
let bound = 0;
for (const spec of specs) {
  const [address, name] = spec.split("=");
  const [ip, port] = address.split(":");
  const socket = dgram.createSocket("udp4");
  socket.on("message", (_m, from) => socket.send(name, from.port, from.address));
  socket.on("error", (err) => { console.error(String(err)); process.exit(1); });
  socket.bind(Number(port), ip, () => { if (++bound === specs.length) console.log("ready"); });
}`;

// Sends one datagram from a fixed source port and prints the answer (or "timeout").
const CLIENT = `
const dgram = require("node:dgram");
const [ip, port, from] = process.argv.slice(1);
const socket = dgram.createSocket("udp4");
const timer = setTimeout(() => { console.log("timeout"); socket.close(); }, 3000);
socket.on("message", (m) => { clearTimeout(timer); console.log(String(m)); socket.close(); });
socket.bind(Number(from), () => socket.send("ping", Number(port), ip));`;

function input(endpointIps: string[]): ProxyInput {
  return {
    services: [
      {
        metadata: { name: "dns", namespace: "default" },
        spec: { clusterIP: CLUSTER_IP, ports: [{ name: "dns", port: 53, protocol: "UDP" }] },
      },
    ],
    endpointSlices: [
      {
        metadata: { name: "dns-1", namespace: "default", labels: { "kubernetes.io/service-name": "dns" } },
        addressType: "IPv4",
        ports: [{ name: "dns", port: TARGET_PORT, protocol: "UDP" }],
        endpoints: endpointIps.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: "node-a" })),
      },
    ],
    nodeName: "node-a",
    nodeAddresses: ["192.168.77.1"],
    clusterCIDR: "10.42.0.0/16",
  };
}

describe.skipIf(skip)("stale UDP flows on the real kernel in a network namespace", () => {
  let ns: TestNetns | undefined;
  const options = () => ({ netnsPath: `/run/netns/${ns?.name}` });

  const ask = (): Promise<string> => {
    const [bin = "nsenter", ...prefix] = ns?.prefix() ?? [];
    const args = [...prefix, process.execPath, "-e", CLIENT, CLUSTER_IP, "53", String(CLIENT_PORT)];
    return new Promise((resolve, reject) => {
      execFile(bin, args, { encoding: "utf8", timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`client failed: ${err.message} ${stderr}`));
        else resolve(stdout.trim());
      });
    });
  };

  beforeAll(async () => {
    if (unavailable !== undefined) throw new Error(`the real conntrack tests need: ${unavailable}`);
    const netns = TestNetns.create("kflare-ct");
    ns = netns;
    // The service range leaves by a veth to a neighbour that never answers: only the proxy's DNAT
    // in OUTPUT brings a datagram to an endpoint.
    netns.routeToSilentNeighbour("10.43.0.0/16", "kfc0", "192.168.77.1");
    for (const ip of Object.values(ENDPOINTS)) netns.exec("ip", ["addr", "add", `${ip}/32`, "dev", "lo"]);
    await netns.spawnReady(
      process.execPath,
      ["-e", SERVER, ...Object.entries(ENDPOINTS).map(([name, ip]) => `${ip}:${TARGET_PORT}=${name}`)],
      "test servers",
    );
  }, 60_000);

  // The servers are stopped with the namespace.
  afterAll(async () => {
    await ns?.destroy();
  });

  test("a client keeps reaching a removed endpoint until its flow is deleted, then reaches the new one", async () => {
    await syncProxyRules(buildProxyRules(input([ENDPOINTS.a])), options());
    expect(await ask()).toBe("a");
    // Nothing is stale while the endpoint stays.
    expect((await clearStaleUdpFlows(input([ENDPOINTS.a]), options())).deleted).toEqual([]);

    await syncProxyRules(buildProxyRules(input([ENDPOINTS.b])), options());
    // The rules alone: the flow's DNAT still points at the endpoint the Service no longer has.
    expect(await ask()).toBe("a");

    const { deleted } = await clearStaleUdpFlows(input([ENDPOINTS.b]), options());
    expect(deleted).toMatchObject([{ dst: CLUSTER_IP, dport: 53, sport: CLIENT_PORT, replySrc: ENDPOINTS.a }]);
    expect(await ask()).toBe("b");
    expect((await clearStaleUdpFlows(input([ENDPOINTS.b]), options())).deleted).toEqual([]);
  });
});
