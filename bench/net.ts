// npm run bench:net (root, Debian: containerd, runc, CNI plugins): Service networking on one real
// node, in one run, side by side. HTTP to a pod (a Node HTTP server) (a) straight to its IP and (b)
// through its Service's ClusterIP (the agent's iptables DNAT), each from inside a client pod, and
// (c) through an Ingress for the same Service, from the machine's own network namespace to the
// control plane's local Ingress port (Worker -> edge router -> the node's Durable Object -> the
// agent's ingress link -> the pod); each measured for the most requests/s it sustains (closed loop,
// a new connection per request) and for p50/p99 latency at a fixed offered 200 requests/s. DNS A
// lookups of the Service's name from inside a pod (the agent's DNS server behind the kube-dns
// ClusterIP): lookups/s and p99 at 200/s.
// Targets: ClusterIP within 10% of direct; DNS p99 <= 5 ms; Ingress p99 at 200 req/s <= 20 ms
// above direct.
// The pod's IP is only reachable inside the node's namespace, so (c)'s baseline is (a) from the
// client pod. The agent's link to the control plane crosses the fixture's forwarder (a unix socket
// relayed by this process), which (c) pays for and a real node would not.

import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pushNodeImage } from "../test/setup/node-image.ts";
import { ContainerNode, deployment, NODE20 } from "../test/tools/container-node.ts";
import { cpuBetween, cpuSnapshot } from "./lib/process-cpu.ts";
import { Samples } from "./lib/stats.ts";

const LOAD = join(fileURLToPath(new URL(".", import.meta.url)), "lib/net-load.mjs");
const SECONDS = Number(process.env.BENCH_NET_SECONDS) || 10;
const RATE = 200;
const CONCURRENCY = 16;
const PAUSE_MS = 2000;

const INGRESS_HOST = "bench.example";

interface LoadResult {
  done: number;
  errors: number;
  seconds: number;
  latencies: number[];
  /** How many answers of each HTTP status ("error": none). */
  statuses: Record<string, number>;
}

const execFileAsync = promisify(execFile);

const node = new ContainerNode({ name: "bench-net", nodeName: "bench-net", vars: { NODE_KEEPALIVE_SECONDS: "2" } });

/**
 * One run of the load generator, in a network namespace (a path under /run/netns) or, without one,
 * in this machine's own. Asynchronous on purpose: the node's namespace reaches the control plane
 * through a forwarder in this process (the agent's ingress link among it), which a synchronous
 * child would stall.
 */
async function load(netns: string | undefined, args: string[]): Promise<LoadResult> {
  const [bin, argv] = netns ? ["nsenter", [`--net=${netns}`, "--", NODE20, LOAD, ...args]] : [NODE20, [LOAD, ...args]];
  const { stdout } = await execFileAsync(bin, argv, {
    encoding: "utf8",
    timeout: (SECONDS + 30) * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as LoadResult;
}

/**
 * A pod that only sleeps, as a client for the load: the path of its network namespace, found by the
 * pod's IP among the namespaces CNI made.
 */
async function clientPod(name: string): Promise<string> {
  await node.apply({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: "sleep", image: node.images.hello, command: ["/bin/sleep", "3600"] }] },
  });
  const ip = await node.eventually(`${name} Running`, async () => {
    const [pod] = await node.podsOf(name);
    return pod?.status?.phase === "Running" ? pod.status.podIP : undefined;
  });
  for (const ns of readdirSync("/run/netns").filter((n) => n.startsWith("cni-"))) {
    const { stdout } = await execFileAsync("ip", ["-n", ns, "-4", "-o", "addr", "show"], { encoding: "utf8" });
    if (stdout.includes(` ${ip}/`)) return `/run/netns/${ns}`;
  }
  throw new Error(`cannot find the network namespace of pod ${name} (${ip})`);
}

/** Two phases of one path as one. */
function merge(x: LoadResult, y: LoadResult): LoadResult {
  return {
    done: x.done + y.done,
    errors: x.errors + y.errors,
    seconds: x.seconds + y.seconds,
    latencies: [...x.latencies, ...y.latencies],
    statuses: Object.fromEntries(
      [...new Set([...Object.keys(x.statuses), ...Object.keys(y.statuses)])].map((k) => [
        k,
        (x.statuses[k] ?? 0) + (y.statuses[k] ?? 0),
      ]),
    ),
  };
}

function quantiles(r: LoadResult): { p50: number; p99: number } {
  const s = new Samples();
  for (const l of r.latencies) s.add(l);
  return { p50: s.quantile(0.5), p99: s.quantile(0.99) };
}

/** A difference with its sign: +1.50, -2.96. */
function signed(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
}

/** "errors 3: 503 x2, error x1" when not all answers were 200s. */
function errorsOf(r: LoadResult): string {
  const other = Object.entries(r.statuses).filter(([status]) => status !== "200");
  return other.length === 0
    ? `errors ${r.errors}`
    : `errors ${r.errors}: ${other.map(([s, n]) => `${s} x${n}`).join(", ")}`;
}

function row(name: string, max: LoadResult, rate: LoadResult): { name: string; rps: number; p50: number; p99: number } {
  const q = quantiles(rate);
  const rps = max.done / max.seconds;
  console.log(
    `  ${name.padEnd(28)} ${rps.toFixed(0).padStart(7)} req/s (${errorsOf(max)})   at ${RATE}/s: p50 ${q.p50.toFixed(2)} ms, p99 ${q.p99.toFixed(2)} ms (${errorsOf(rate)})`,
  );
  return { name, rps, ...q };
}

/**
 * The load of one phase for each path, in the order given and then back (a b c c b a), merged by
 * path. A pause after each: a path driven past what it sustains (requests the client gave up on
 * still queued in the control plane or the agent) must not spill into the next one's phase.
 */
async function abba(paths: readonly (readonly [string | undefined, string[]])[]): Promise<LoadResult[]> {
  const first: LoadResult[] = [];
  const second: LoadResult[] = [];
  for (const [netns, args] of paths) {
    first.push(await load(netns, args));
    await sleep(PAUSE_MS);
  }
  for (const [netns, args] of [...paths].reverse()) {
    second.unshift(await load(netns, args));
    await sleep(PAUSE_MS);
  }
  return first.map((r, i) => merge(r, second[i]!));
}

async function main(): Promise<void> {
  await node.setUp();
  if (node.unavailable) throw new Error(`bench:net cannot run here: ${node.unavailable}`);
  try {
    console.log("bench:net: one node (containerd) in its own network namespace");
    await node.join();
    // The pod is a Node HTTP server (the test image's), as real apps are: an ordinary accept backlog
    // (511) and keep-alive. busybox httpd listens with a backlog of 9 and forks per connection, so
    // any burst of connections beyond 9 lost SYNs and waited a second: the benchmark measured
    // busybox, not the network path.
    const registry = node.registry;
    if (!registry?.available) throw new Error("bench:net needs the loopback registry");
    const image = await pushNodeImage(registry.host, NODE20);
    await node.apply(
      deployment("web", 1, {
        containers: [{ name: "web", image, ports: [{ containerPort: 8080 }] }],
      }),
    );
    await node.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    // One client pod per path. A pod that calls one server both directly and through its ClusterIP
    // at thousands of new connections a second collides with itself: the server keeps each closed
    // connection in TIME_WAIT for 60 s, the client reuses its ports within seconds, and the client's
    // TCP timestamps are offset per destination address (pod IP vs ClusterIP), so a SYN through the
    // other path looks older than the TIME_WAIT it lands on and is dropped (PAWS), costing a 1 s
    // retry. Measured here: that, not the DNAT, was the whole gap between (a) and (b).
    const [directClient, serviceClient] = await Promise.all([
      clientPod("net-client-direct"),
      clientPod("net-client-service"),
    ]);
    const [pod] = await node.eventually("web pod Running", async () => {
      const p = await node.podsOf("web");
      return p.length === 1 && p[0]?.status?.phase === "Running" ? p : undefined;
    });
    const svc = await node.client.get<{ spec: { clusterIP: string } }>("/api/v1/namespaces/default/services/web");
    await node.eventually(
      "ClusterIP answers",
      async () => (await load(serviceClient, ["http", `http://${svc.spec.clusterIP}/`, "max", "1", "1"])).done > 0,
    );
    // (c): an Ingress for the same Service, loaded from this machine's own namespace, where the
    // control plane's Ingress port listens.
    await node.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web" },
      spec: {
        rules: [
          {
            host: INGRESS_HOST,
            http: {
              paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }],
            },
          },
        ],
      },
    });
    const ingressUrl = node.cp.ingressUrl;
    if (!ingressUrl) throw new Error("the control plane serves no Ingress port");
    const viaIngress = `${ingressUrl}/`;
    await node.eventually(
      `Ingress answers for ${INGRESS_HOST}`,
      async () => (await load(undefined, ["http", viaIngress, "max", "1", "1", INGRESS_HOST])).done > 0,
    );

    const direct = `http://${pod!.status!.podIP}:8080/`;
    const viaService = `http://${svc.spec.clusterIP}/`;
    console.log(
      `HTTP, ${SECONDS} s per phase, phases in ABBA order (a b c c b a): most req/s with ${CONCURRENCY} clients, then latency at ${RATE} req/s offered`,
    );
    // ABBA (a b c c b a): whatever drifts during the run (TIME_WAIT sockets, a noisy neighbour)
    // weighs on every path alike.
    const phase = (mode: "max" | "rate", n: number): (readonly [string | undefined, string[]])[] => [
      [directClient, ["http", direct, mode, String(SECONDS), String(n)]],
      [serviceClient, ["http", viaService, mode, String(SECONDS), String(n)]],
      [undefined, ["http", viaIngress, mode, String(SECONDS), String(n), INGRESS_HOST]],
    ];
    const [maxA, maxB, maxC] = await abba(phase("max", CONCURRENCY));
    const [rateA, rateB, rateC] = await abba(phase("rate", RATE));
    const a = row("(a) pod IP", maxA!, rateA!);
    const b = row("(b) ClusterIP", maxB!, rateB!);
    const c = row(`(c) Ingress (${INGRESS_HOST})`, maxC!, rateC!);
    for (const p of [a, b, c])
      if (p.rps < RATE)
        console.log(
          `  ${p.name} sustains fewer than ${RATE} req/s here: at ${RATE}/s it falls behind, its latency is the backlog's`,
        );

    // Where (c)'s time goes: the CPU each process spends per request, flat out, and how busy its
    // busiest thread was (a thread near 100% is where requests queue).
    const before = cpuSnapshot();
    const started = performance.now();
    const profiled = await load(undefined, [
      "http",
      viaIngress,
      "max",
      String(SECONDS),
      String(CONCURRENCY),
      INGRESS_HOST,
    ]);
    const elapsed = performance.now() - started;
    const spent = cpuBetween(before, cpuSnapshot());
    console.log(
      `  (c) flat out (${(profiled.done / profiled.seconds).toFixed(0)} req/s), CPU per request by process (busiest thread's share of the wall time): ${spent
        .slice(0, 6)
        .map(
          (p) =>
            `${p.label} ${(p.ms / Math.max(1, profiled.done)).toFixed(2)} ms (${((p.busiestThreadMs / elapsed) * 100).toFixed(0)}%)`,
        )
        .join(", ")}`,
    );

    const name = "web.default.svc.cluster.local";
    const dnsMax = await load(serviceClient, ["dns", "10.43.0.10", name, "max", String(SECONDS), String(CONCURRENCY)]);
    const dnsRate = await load(serviceClient, ["dns", "10.43.0.10", name, "rate", String(SECONDS), String(RATE)]);
    const dq = quantiles(dnsRate);
    console.log(
      `DNS from a pod (${name} via 10.43.0.10): ${(dnsMax.done / dnsMax.seconds).toFixed(0)} lookups/s (errors ${dnsMax.errors}); at ${RATE}/s p50 ${dq.p50.toFixed(2)} ms, p99 ${dq.p99.toFixed(2)} ms (errors ${dnsRate.errors})`,
    );

    const ratio = b.rps / a.rps;
    console.log("\nTargets");
    console.log(`  ClusterIP req/s within 10% of direct: ${(ratio * 100).toFixed(1)}% ${ratio >= 0.9 ? "✓" : "✗"}`);
    console.log(`  ClusterIP p99 at ${RATE}/s vs direct: ${signed(b.p99 - a.p99)} ms`);
    console.log(`  DNS p99 <= 5 ms: ${dq.p99.toFixed(2)} ms ${dq.p99 <= 5 ? "✓" : "✗"}`);
    const above = c.p99 - a.p99;
    console.log(
      `  Ingress p99 at ${RATE} req/s <= 20 ms above direct: ${signed(above)} ms (${c.p99.toFixed(2)} vs ${a.p99.toFixed(2)} ms) ${above <= 20 ? "✓" : "✗"}`,
    );
  } finally {
    await node.tearDown();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:net: ${(err as Error).message}`);
  process.exitCode = 1;
});
