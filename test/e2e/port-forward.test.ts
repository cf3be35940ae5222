// kubectl port-forward end to end, for real: kubectl 1.35 (SPDY/3.1 inside a WebSocket) -> the
// Worker -> the node's Durable Object -> a data socket of `k-agent` (root, in a network namespace,
// with its own containerd), which terminates the SPDY session and dials the pod's IP on the node's
// bridge. Two HTTP requests (two connections) and a 3 MB response through `port-forward pod/...`,
// one through `port-forward svc/...` (kubectl resolves the Service to a pod and its targetPort), a
// server listening only on its pod's own 127.0.0.1 (reached inside the pod's network namespace), a
// host-network pod (reached on the node's 127.0.0.1), a WebAssembly pod (on its own pod IP), and a
// port nothing listens on, reported.
// The setup is the shared ContainerNode fixture.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pushWasmArtifact } from "../../agent/runtime/wasm/push.ts";
import { wasmFixtures } from "../setup/wasm-fixtures.ts";
import { toolBinaries } from "../tools/binaries.ts";
import { ContainerNode, deployment, SERVE_POD_NAME } from "../tools/container-node.ts";
import { eventually } from "../tools/eventually.ts";

const cluster = new ContainerNode({ name: "kflare-pf", nodeName: "e2e-pf" });

/** A running `kubectl port-forward` and everything it printed so far. */
interface Forwarder {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** kubectl's own HOME (its cache), removed with it. */
  home: string;
}

const running: Forwarder[] = [];

/** Starts `kubectl port-forward <args>` and waits for its "Forwarding from 127.0.0.1:<local>" line. */
async function portForward(target: string, ports: string): Promise<Forwarder> {
  const { kubectl } = await toolBinaries();
  const home = await mkdtemp(join(tmpdir(), "kflare-pf-home-"));
  const child = spawn(kubectl, ["port-forward", target, ports], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, KUBECONFIG: cluster.cp.kubeconfigPath },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const f: Forwarder = { child, output: () => out, exited, home };
  running.push(f);
  const local = ports.split(":")[0];
  await eventually(
    `kubectl port-forward ${target} ${ports} to listen`,
    async () => {
      if (child.exitCode !== null) throw new Error(`kubectl port-forward exited ${child.exitCode}: ${out}`);
      return out.includes(`Forwarding from 127.0.0.1:${local}`);
    },
    { timeoutMs: 30_000, context: async () => out },
  );
  return f;
}

/** GET http://127.0.0.1:<port><path> on a fresh connection: status and body. */
function get(port: number, path = "/"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, agent: false, headers: { connection: "close" }, timeout: 15_000 },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** busybox httpd serving `body` on `listen` ([IP:]PORT). */
function httpd(image: string, body: string, listen: string): object {
  return {
    name: "main",
    image,
    command: [
      "/bin/sh",
      "-c",
      `mkdir -p /tmp/www && echo ${body} > /tmp/www/index.html && exec httpd -f -p ${listen} -h /tmp/www`,
    ],
  };
}

beforeAll(async () => {
  await cluster.setUp();
  if (cluster.unavailable) return;
  await cluster.join();
  const image = cluster.images.myapp;
  await cluster.apply(
    deployment("web", 1, {
      containers: [{ name: "main", image, command: SERVE_POD_NAME, ports: [{ name: "http", containerPort: 3000 }] }],
    }),
  );
  await cluster.apply({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web" },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 3000 }] },
  });
  await cluster.apply(deployment("loopback", 1, { containers: [httpd(image, "loopback only", "127.0.0.1:3002")] }));
  await cluster.apply(deployment("hostnet", 1, { hostNetwork: true, containers: [httpd(image, "host", "3001")] }));
  const registry = cluster.registry?.available ? cluster.registry.host : "";
  await pushWasmArtifact(registry, "kflare-test/wasm-http", "1", await readFile((await wasmFixtures()).httpHello));
  await cluster.apply(
    deployment("component", 1, {
      runtimeClassName: "wasm",
      containers: [{ name: "http", image: `${registry}/kflare-test/wasm-http:1`, ports: [{ containerPort: 8080 }] }],
    }),
  );
  await cluster.eventually("pods running", async () => {
    const pods = await Promise.all(["web", "loopback", "hostnet", "component"].map((app) => cluster.podsOf(app)));
    return pods.flat().length === 4 && pods.flat().every((p) => p.status?.phase === "Running");
  });
}, 600_000);

afterEach(async () => {
  for (const f of running.splice(0)) {
    if (f.child.exitCode === null && f.child.pid !== undefined) process.kill(f.child.pid, "SIGTERM");
    await f.exited;
    await rm(f.home, { recursive: true, force: true });
  }
});

afterAll(() => cluster.tearDown(), 180_000);

describe("kubectl port-forward to containerd and WebAssembly pods", { timeout: 120_000 }, () => {
  it("forwards two connections to a pod's port", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const [pod] = await cluster.podsOf("web");
    const name = pod!.metadata.name!;
    await portForward(`pod/${name}`, "18080:3000");
    expect(await get(18080)).toEqual({ status: 200, body: `${name}\n` });
    expect(await get(18080)).toEqual({ status: 200, body: `${name}\n` });
  });

  it("carries a large response whole", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const [pod] = await cluster.podsOf("web");
    const name = pod!.metadata.name!;
    await cluster.kubectl("exec", name, "--", "sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x > /tmp/www/big");
    await portForward(`pod/${name}`, "18084:3000");
    const big = await get(18084, "/big");
    expect(big.status).toBe(200);
    expect(big.body.length).toBe(3_000_000);
    expect(/^x+$/.test(big.body)).toBe(true);
  });

  it("forwards to a Service's pod (kubectl resolves svc/ to a pod and the targetPort)", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const [pod] = await cluster.podsOf("web");
    await portForward("svc/web", "18081:80");
    expect(await get(18081)).toEqual({ status: 200, body: `${pod!.metadata.name}\n` });
  });

  it("forwards to a host-network pod on the node's loopback", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const [pod] = await cluster.podsOf("hostnet");
    await portForward(`pod/${pod!.metadata.name}`, "18082:3001");
    expect(await get(18082)).toEqual({ status: 200, body: "host\n" });
  });

  it("forwards to a server that listens only on the pod's own loopback (inside its network namespace)", async ({
    skip,
  }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const [pod] = await cluster.podsOf("loopback");
    // Not on the pod's address: only its own 127.0.0.1 has the server.
    expect(() => cluster.netns!.exec("curl", ["-s", "-m", "5", `http://${pod!.status?.podIP}:3002/`])).toThrow();
    await portForward(`pod/${pod!.metadata.name}`, "18086:3002");
    expect(await get(18086)).toEqual({ status: 200, body: "loopback only\n" });
    expect(await get(18086)).toEqual({ status: 200, body: "loopback only\n" });
  });

  it("forwards to a WebAssembly pod's port", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const [pod] = await cluster.podsOf("component");
    await portForward(`pod/${pod!.metadata.name}`, "18085:8080");
    expect(await get(18085, "/through-kubectl")).toEqual({
      status: 200,
      body: "hello from wasi:http /through-kubectl\n",
    });
  });

  it("reports a port nothing listens on", async ({ skip }) => {
    if (cluster.unavailable) return skip(cluster.unavailable);
    const [pod] = await cluster.podsOf("web");
    const f = await portForward(`pod/${pod!.metadata.name}`, "18083:3999");
    await expect(get(18083)).rejects.toThrow();
    await eventually("kubectl to print the error", async () => f.output().includes("error forwarding port 3999"), {
      timeoutMs: 15_000,
      context: async () => f.output(),
    });
    expect(f.output()).toContain("ECONNREFUSED");
  });
});
