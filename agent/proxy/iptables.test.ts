// The service proxy against the real kernel: iptables (nf_tables) inside a network namespace made
// for this file, so the machine's own firewall is never touched. Two TCP servers stand for a
// service's endpoints (10.42.0.11 and .12 on the namespace's loopback, each answering its name);
// a client in the namespace dials the cluster IP 10.43.0.10:80, whose route leaves by a veth, so
// the nat OUTPUT chain DNATs it back to an endpoint. The tests run in order on one namespace:
// balance, NodePort, affinity, an atomic failed apply, an endpoint update, reject, cleanup. They
// need root and the iptables, iproute2 and util-linux packages (iptables is installed when root on
// Debian); without them they skip and say why, except in CI.
import { execFile, execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { installContainerPackages } from "../../test/setup/containerd.ts";
import { TestNetns } from "../../test/tools/netns.ts";
import { endpointChain, portChain } from "./chain-names.ts";
import { CommandError } from "./command.ts";
import { applyProxyRules, cleanupProxyRules, ensureJumpRules, kflareChains, syncProxyRules } from "./iptables.ts";
import { buildProxyRules, type ProxyRules } from "./rules.ts";
import type { Endpoint, Service } from "./types.ts";

const CLUSTER_IP = "10.43.0.10";
const NODE_IP = "192.168.77.1";
const ENDPOINTS = { a: "10.42.0.11", b: "10.42.0.12" } as const;
const TARGET_PORT = 8080;

function whyUnavailable(): string | undefined {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "network namespaces and iptables need root";
  // Installs iptables when root on Debian and it is missing, as the containerd tests do: this file
  // must not depend on running after them.
  const missing = installContainerPackages();
  if (missing.length > 0) return `missing ${missing.join(", ")}: apt-get install ${missing.join(" ")}`;
  for (const [tool, pkg] of [
    ["iptables", "iptables"],
    ["iptables-save", "iptables"],
    ["iptables-restore", "iptables"],
    ["nsenter", "util-linux"],
    ["ip", "iproute2"],
  ] as const) {
    try {
      execFileSync(tool, tool === "ip" ? ["-V"] : ["--version"], { stdio: "pipe" });
    } catch {
      return `${tool} is missing: apt-get install ${pkg}`;
    }
  }
  const version = execFileSync("iptables", ["--version"], { encoding: "utf8" });
  if (!version.includes("nf_tables")) return `iptables is not the nf_tables backend (${version.trim()})`;
  return undefined;
}

const unavailable = whyUnavailable();
const skip = unavailable !== undefined && process.env.CI !== "true";
if (skip) console.warn(`skipping the real iptables tests: ${unavailable}`);

// Listens on each "ip:port=name" argument, answers every connection with the name, says "ready".
const SERVER = `
const net = require("node:net");
const specs = process.argv.slice(1);
let listening = 0;
for (const spec of specs) {
  const [address, name] = spec.split("=");
  const [ip, port] = address.split(":");
  const server = net.createServer((socket) => socket.end(name + "\\n"));
  server.on("error", (err) => { console.error(String(err)); process.exit(1); });
  server.listen(Number(port), ip, () => { if (++listening === specs.length) console.log("ready"); });
}`;

// Dials ip:port count times, one after another; prints the answers (or error codes) as JSON.
const CLIENT = `
const net = require("node:net");
const [ip, port, count] = process.argv.slice(1);
function once() {
  return new Promise((resolve) => {
    let data = "";
    const socket = net.connect(Number(port), ip);
    socket.setTimeout(3000, () => { socket.destroy(); resolve("error:TIMEOUT"); });
    socket.on("data", (b) => { data += b; });
    socket.on("end", () => resolve(data.trim()));
    socket.on("error", (err) => resolve("error:" + err.code));
  });
}
(async () => {
  const out = [];
  for (let i = 0; i < Number(count); i++) out.push(await once());
  console.log(JSON.stringify(out));
})();`;

function endpoint(ip: string): Endpoint {
  return { addresses: [ip], conditions: { ready: true }, nodeName: "node-a" };
}

function rulesFor(ips: string[], spec: Partial<NonNullable<Service["spec"]>> = {}): ProxyRules {
  return buildProxyRules({
    services: [
      {
        metadata: { name: "web", namespace: "default" },
        spec: {
          type: "NodePort",
          clusterIP: CLUSTER_IP,
          ports: [{ name: "http", port: 80, nodePort: 30080 }],
          ...spec,
        },
      },
    ],
    endpointSlices: [
      {
        metadata: { name: "web-1", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
        addressType: "IPv4",
        ports: [{ name: "http", port: TARGET_PORT }],
        endpoints: ips.map(endpoint),
      },
    ],
    nodeName: "node-a",
    nodeAddresses: [NODE_IP],
    clusterCIDR: "10.42.0.0/16",
  });
}

describe.skipIf(skip)("service proxy on real iptables in a network namespace", () => {
  let ns: TestNetns | undefined;
  let before = "";
  const options = () => ({ netnsPath: `/run/netns/${ns?.name}` });

  /** iptables-save of the namespace without the comment lines and counters. */
  const save = () =>
    (ns?.exec("iptables-save", []) ?? "")
      .split("\n")
      .filter((line) => !line.startsWith("#"))
      .map((line) => line.replace(/\[\d+:\d+\]/g, "[0:0]"))
      .join("\n");

  const dial = (ip: string, port: number, count: number): Promise<string[]> => {
    const [bin = "nsenter", ...prefix] = ns?.prefix() ?? [];
    const args = [...prefix, process.execPath, "-e", CLIENT, ip, String(port), String(count)];
    return new Promise((resolve, reject) => {
      execFile(bin, args, { encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`client failed: ${err.message} ${stderr}`));
        else resolve(JSON.parse(stdout) as string[]);
      });
    });
  };

  beforeAll(async () => {
    if (unavailable !== undefined) throw new Error(`the real iptables tests need: ${unavailable}`);
    const netns = TestNetns.create("kflare-proxy");
    ns = netns;
    // Endpoints on loopback; the service range routed out of a veth to a neighbour that never
    // answers, so only the DNAT in OUTPUT can bring a connection to an endpoint.
    netns.routeToSilentNeighbour("10.43.0.0/16", "kfp0", NODE_IP);
    for (const ip of Object.values(ENDPOINTS)) netns.exec("ip", ["addr", "add", `${ip}/32`, "dev", "lo"]);
    // Someone else's rules, which the proxy must leave as they are.
    netns.exec("iptables", ["-t", "nat", "-A", "POSTROUTING", "-s", "192.0.2.0/24", "-j", "RETURN"]);
    netns.exec("iptables", ["-t", "nat", "-A", "OUTPUT", "-d", "198.51.100.1/32", "-j", "RETURN"]);
    netns.exec("iptables", ["-A", "INPUT", "-p", "tcp", "--dport", "9", "-j", "ACCEPT"]);
    before = save();

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

  test("balances the cluster IP over both endpoints, jumps installed once", async () => {
    const rules = rulesFor(Object.values(ENDPOINTS));
    await syncProxyRules(rules, options());
    await syncProxyRules(rules, options());
    expect(await ensureJumpRules(rules.jumps, options())).toBe(0);
    const answers = await dial(CLUSTER_IP, 80, 40);
    expect(new Set(answers)).toEqual(new Set(["a", "b"]));
    const now = save();
    expect(now.match(/^-A OUTPUT .*-j KFLARE-SERVICES$/gm)).toHaveLength(2); // nat and filter
    expect(now).toContain("-A POSTROUTING -s 192.0.2.0/24 -j RETURN");
    // A jump that got there twice (an interrupted sync, two agents) is brought back to one.
    ns!.exec("iptables", ["-t", "nat", "-I", "PREROUTING", "1", ...rules.jumps[0]!.args]);
    expect(save().match(/^-A PREROUTING .*-j KFLARE-SERVICES$/gm)).toHaveLength(2);
    expect(await ensureJumpRules(rules.jumps, options())).toBe(0);
    expect(save().match(/^-A PREROUTING .*-j KFLARE-SERVICES$/gm)).toHaveLength(1);
  });

  test("answers on the node's address at the NodePort", async () => {
    const answers = await dial(NODE_IP, 30080, 30);
    expect(new Set(answers)).toEqual(new Set(["a", "b"]));
  });

  test("keeps a client on one endpoint with ClientIP affinity", async () => {
    await syncProxyRules(rulesFor(Object.values(ENDPOINTS), { sessionAffinity: "ClientIP" }), options());
    const answers = await dial(CLUSTER_IP, 80, 20);
    expect(answers.every((a) => a === "a" || a === "b")).toBe(true);
    expect(new Set(answers).size).toBe(1);
  });

  test("a failing apply changes nothing (one transaction) and names the command and line", async () => {
    await syncProxyRules(rulesFor(Object.values(ENDPOINTS)), options());
    const state = save();
    const broken: ProxyRules = {
      tables: {
        nat: { chains: ["KFLARE-BROKEN"], rules: ["-A KFLARE-BROKEN -j KFLARE-NO-SUCH-CHAIN"] },
        filter: { chains: [], rules: [] },
      },
      restore: "",
      jumps: [],
    };
    const failure = await applyProxyRules(broken, options()).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(CommandError);
    expect(String(failure)).toMatch(/nsenter --net=\S+ -- iptables-restore -w 5 --noflush: exited with \d+/);
    expect(String(failure)).toContain("-A KFLARE-BROKEN -j KFLARE-NO-SUCH-CHAIN");
    expect(save()).toBe(state);
  });

  test("follows the endpoints: only the one left answers, the other's chain is gone", async () => {
    const result = await syncProxyRules(rulesFor([ENDPOINTS.b]), options());
    expect(result.removed.nat).toEqual([endpointChain("default/web:http", "TCP", `${ENDPOINTS.a}:${TARGET_PORT}`)]);
    const answers = await dial(CLUSTER_IP, 80, 20);
    expect(answers).toEqual(Array(20).fill("b"));
  });

  test("refuses connections when the service has no endpoints", async () => {
    const result = await syncProxyRules(rulesFor([]), options());
    expect(result.removed.nat).toContain(portChain("SVC", "default/web:http", "TCP"));
    expect(await dial(CLUSTER_IP, 80, 1)).toEqual(["error:ECONNREFUSED"]);
    expect(await dial(NODE_IP, 30080, 1)).toEqual(["error:ECONNREFUSED"]);
  });

  test("cleanup leaves iptables-save as it was before", async () => {
    await syncProxyRules(rulesFor(Object.values(ENDPOINTS)), options());
    await cleanupProxyRules(options());
    expect(save()).toBe(before);
    expect(await kflareChains(options())).toEqual({ nat: [], filter: [] });
    await cleanupProxyRules(options()); // nothing left to do
    expect(save()).toBe(before);
  });
});
