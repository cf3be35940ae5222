// npm run bench:net (root, Debian: containerd, runc, CNI plugins): Service networking on one real
// node, in one run, side by side, all from inside a client pod. HTTP to a pod (busybox httpd) (a) straight to its IP and (b)
// through its Service's ClusterIP (the agent's iptables DNAT), each measured for the most
// requests/s it sustains (closed loop, a new connection per request) and for p50/p99 latency at a
// fixed offered 200 requests/s; DNS A lookups of the Service's name from inside a pod (the agent's
// DNS server behind the kube-dns ClusterIP): lookups/s and p99 at 200/s. (c), the Ingress path,
// is reported as missing until Ingress exists.
// Targets: ClusterIP within 10% of direct; DNS p99 <= 5 ms.

import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ContainerNode, deployment, NODE20 } from "../test/tools/container-node.ts";
import { Samples } from "./lib/stats.ts";

const LOAD = join(fileURLToPath(new URL(".", import.meta.url)), "lib/net-load.mjs");
const SECONDS = Number(process.env.BENCH_NET_SECONDS) || 10;
const RATE = 200;
const CONCURRENCY = 16;

interface LoadResult {
  done: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

const node = new ContainerNode({ name: "bench-net", nodeName: "bench-net", vars: { NODE_KEEPALIVE_SECONDS: "2" } });

function load(netns: string, args: string[]): LoadResult {
  const out = execFileSync("nsenter", [`--net=${netns}`, "--", NODE20, LOAD, ...args], {
    encoding: "utf8",
    timeout: (SECONDS + 30) * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as LoadResult;
}

/** Two phases of one path as one. */
function merge(x: LoadResult, y: LoadResult): LoadResult {
  return {
    done: x.done + y.done,
    errors: x.errors + y.errors,
    seconds: x.seconds + y.seconds,
    latencies: [...x.latencies, ...y.latencies],
  };
}

function quantiles(r: LoadResult): { p50: number; p99: number } {
  const s = new Samples();
  for (const l of r.latencies) s.add(l);
  return { p50: s.quantile(0.5), p99: s.quantile(0.99) };
}

function row(name: string, max: LoadResult, rate: LoadResult): { name: string; rps: number; p50: number; p99: number } {
  const q = quantiles(rate);
  const rps = max.done / max.seconds;
  console.log(
    `  ${name.padEnd(28)} ${rps.toFixed(0).padStart(7)} req/s (errors ${max.errors})   at ${RATE}/s: p50 ${q.p50.toFixed(2)} ms, p99 ${q.p99.toFixed(2)} ms (errors ${rate.errors})`,
  );
  return { name, rps, ...q };
}

async function main(): Promise<void> {
  await node.setUp();
  if (node.unavailable) throw new Error(`bench:net cannot run here: ${node.unavailable}`);
  try {
    console.log("bench:net: one node (containerd) in its own network namespace");
    await node.join();
    await node.apply(
      deployment("web", 1, {
        // httpd without -v: a log line per request would measure the log pipeline, not the network.
        containers: [
          {
            name: "web",
            image: node.images.web,
            command: ["/bin/httpd", "-f", "-p", "80", "-h", "/www"],
            ports: [{ containerPort: 80 }],
          },
        ],
      }),
    );
    await node.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
    });
    const netnsBefore = new Set(readdirSync("/run/netns"));
    await node.apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "net-client", labels: { app: "net-client" } },
      spec: { containers: [{ name: "sleep", image: node.images.hello, command: ["/bin/sleep", "3600"] }] },
    });
    const [pod] = await node.eventually("web pod Running", async () => {
      const p = await node.podsOf("web");
      return p.length === 1 && p[0]?.status?.phase === "Running" ? p : undefined;
    });
    await node.eventually(
      "net-client Running",
      async () => (await node.podsOf("net-client"))[0]?.status?.phase === "Running",
    );
    const svc = await node.client.get<{ spec: { clusterIP: string } }>("/api/v1/namespaces/default/services/web");
    const podNs = [...new Set(readdirSync("/run/netns"))].find((n) => !netnsBefore.has(n) && n.startsWith("cni-"));
    if (!podNs) throw new Error("cannot find the net-client pod's network namespace");
    // Every load runs in the client pod's network namespace: pod-to-pod and pod-to-Service, as apps talk.
    const client = `/run/netns/${podNs}`;
    await node.eventually(
      "ClusterIP answers",
      async () => load(client, ["http", `http://${svc.spec.clusterIP}/`, "max", "1", "1"]).done > 0,
    );

    const direct = `http://${pod!.status!.podIP}/`;
    const viaService = `http://${svc.spec.clusterIP}/`;
    console.log(
      `HTTP, ${SECONDS} s per phase, phases in ABBA order: most req/s with ${CONCURRENCY} clients, then latency at ${RATE} req/s offered`,
    );
    // ABBA: whatever drifts during the run (TIME_WAIT sockets, a noisy neighbour) weighs on both paths alike.
    const maxA1 = load(client, ["http", direct, "max", String(SECONDS), String(CONCURRENCY)]);
    const maxB1 = load(client, ["http", viaService, "max", String(SECONDS), String(CONCURRENCY)]);
    const maxB2 = load(client, ["http", viaService, "max", String(SECONDS), String(CONCURRENCY)]);
    const maxA2 = load(client, ["http", direct, "max", String(SECONDS), String(CONCURRENCY)]);
    const rateA1 = load(client, ["http", direct, "rate", String(SECONDS), String(RATE)]);
    const rateB1 = load(client, ["http", viaService, "rate", String(SECONDS), String(RATE)]);
    const rateB2 = load(client, ["http", viaService, "rate", String(SECONDS), String(RATE)]);
    const rateA2 = load(client, ["http", direct, "rate", String(SECONDS), String(RATE)]);
    const a = row("(a) pod IP", merge(maxA1, maxA2), merge(rateA1, rateA2));
    const b = row("(b) ClusterIP", merge(maxB1, maxB2), merge(rateB1, rateB2));
    console.log("  (c) Ingress (Worker -> DO -> WebSocket -> agent -> pod): not measured, Ingress is not built yet");

    const name = "web.default.svc.cluster.local";
    const dnsMax = load(client, ["dns", "10.43.0.10", name, "max", String(SECONDS), String(CONCURRENCY)]);
    const dnsRate = load(client, ["dns", "10.43.0.10", name, "rate", String(SECONDS), String(RATE)]);
    const dq = quantiles(dnsRate);
    console.log(
      `DNS from a pod (${name} via 10.43.0.10): ${(dnsMax.done / dnsMax.seconds).toFixed(0)} lookups/s (errors ${dnsMax.errors}); at ${RATE}/s p50 ${dq.p50.toFixed(2)} ms, p99 ${dq.p99.toFixed(2)} ms (errors ${dnsRate.errors})`,
    );

    const ratio = b.rps / a.rps;
    console.log("\nTargets");
    console.log(`  ClusterIP req/s within 10% of direct: ${(ratio * 100).toFixed(1)}% ${ratio >= 0.9 ? "✓" : "✗"}`);
    console.log(`  ClusterIP p99 at ${RATE}/s vs direct: +${(b.p99 - a.p99).toFixed(2)} ms`);
    console.log(`  DNS p99 <= 5 ms: ${dq.p99.toFixed(2)} ms ${dq.p99 <= 5 ? "✓" : "✗"}`);
    console.log("  Ingress p99 at 200 req/s <= 20 ms above direct: not measured (no Ingress yet)");
  } finally {
    await node.tearDown();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:net: ${(err as Error).message}`);
  process.exitCode = 1;
});
