// k-agent end to end with real processes: the control plane as `npm start` starts it, a join token
// from `kflare token create`, the agent joined under the machine's own Node 20, WebAssembly pods
// pulled from a real loopback registry, kubectl logs through the node link; then outages of the
// control plane, of the link, and of the agent itself, with nothing restarted.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushWasmArtifact } from "../../agent/runtime/wasm/push.ts";
import { WasmRuntime } from "../../agent/runtime/wasm/runtime.ts";
import { decodeJoinToken, encodeJoinToken } from "../../agent/src/join-token.ts";
import { runtimeStateDir } from "../../agent/src/runtimes.ts";
import { connectionFromKubeconfig, KubeClient, type Obj } from "../../cli/kube-client.ts";
import { type ControlPlane, startControlPlane } from "../../cli/local-control-plane.ts";
import { createJoinToken } from "../../cli/token-command.ts";
import { freePort, type LoopbackRegistry, startLoopbackRegistry, wasmFixtures } from "../setup/wasm-fixtures.ts";
import { runKubectl, toolBinaries } from "../tools/binaries.ts";
import { eventually as waitUntil } from "../tools/eventually.ts";
import { TcpProxy } from "../tools/tcp-proxy.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const AGENT = join(ROOT, "agent/dist/k-agent.mjs");
const NODE20 = "/usr/bin/node";
const NODE = "e2e-wasm";
const VARS = { NODE_KEEPALIVE_SECONDS: "1", NODE_GRACE_PERIOD_SECONDS: "4" };
const OUTAGE_MS = Number(process.env.KFLARE_E2E_OUTAGE_SECONDS ?? "60") * 1000;

let cp: ControlPlane;
let cpPort = 0;
let dataDir: string;
let agentDir: string;
let registry: LoopbackRegistry;
let proxy: TcpProxy;
let client: KubeClient;
let agent: ChildProcess | undefined;
let agentOut = "";
let httpPort = 0;
let unavailable: string | undefined;
let regHost = "";

async function startCp(): Promise<void> {
  cp = await startControlPlane({ dataDir, port: cpPort, vars: VARS });
  cpPort = Number(new URL(cp.url).port);
  client = new KubeClient(await connectionFromKubeconfig(cp.kubeconfigPath));
}

function startAgent(args: string[]): ChildProcess {
  // WebAssembly pods only: this suite runs in the machine's own network namespace, where a
  // container runtime's bridge and firewall rules have no place (test/e2e/containers.test.ts).
  const child = spawn(NODE20, [AGENT, ...args, "--data-dir", agentDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, K_AGENT_WASM_ONLY: "1" },
  });
  child.stdout!.on("data", (b: Buffer) => (agentOut += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (agentOut += b.toString()));
  return child;
}

async function stopAgent(signal: NodeJS.Signals): Promise<void> {
  const a = agent;
  agent = undefined;
  if (!a || a.exitCode !== null) return;
  const exited = new Promise((r) => a.once("exit", r));
  a.kill(signal);
  await exited;
}

const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000) =>
  waitUntil(what, probe, { timeoutMs, context: () => `agent output:\n${agentOut.slice(-3000)}` });

async function kubectl(...args: string[]): Promise<string> {
  const r = await runKubectl(args, { kubeconfig: cp.kubeconfigPath, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function nodeReady(): Promise<string> {
  const node = await client.get<Obj>(`/api/v1/nodes/${NODE}`);
  return (
    ((node.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).find(
      (c) => c.type === "Ready",
    )?.status ?? ""
  );
}

/** Container ids and start times of the node's guests: unchanged means nothing restarted. */
async function guests(): Promise<string[]> {
  const rt = new WasmRuntime({ stateDir: runtimeStateDir(agentDir) });
  try {
    return (await rt.listContainers())
      .filter((c) => c.state === "running")
      .map((c) => `${c.labels["io.kubernetes.pod.name"]}/${c.id}@${c.startedAt}`)
      .sort();
  } finally {
    await rt.close();
  }
}

function deployment(name: string, image: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { runtimeClassName: "wasm", containers: [{ name: "main", image, ...extra }] },
      },
    },
  });
}

async function apply(manifest: string): Promise<void> {
  const file = join(dataDir, `m-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, manifest);
  await kubectl("apply", "-f", file);
}

async function podOf(app: string): Promise<Obj | undefined> {
  const list = await client.get<{ items: Obj[] }>(`/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`);
  return list.items.find((p) => !p.metadata.deletionTimestamp);
}

const phase = (p: Obj | undefined) => (p?.status as { phase?: string } | undefined)?.phase;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kflare-e2e-agent-"));
  agentDir = join(dataDir, "agent");
  registry = await startLoopbackRegistry();
  if (!registry.available) {
    if (process.env.CI === "true") throw new Error(`agent tests need a registry in CI: ${registry.reason}`);
    unavailable = registry.reason;
    return;
  }
  regHost = registry.host;
  await toolBinaries();
  const fx = await wasmFixtures();
  for (const [repo, path] of [
    ["ticker", fx.ticker],
    ["hello-http", fx.httpHello],
    ["crash", fx.exitCode],
    ["hog", fx.memoryHog],
  ] as const) {
    await pushWasmArtifact(regHost, `kflare-test/${repo}`, "1", await readFile(path));
  }
  await startCp();
  proxy = new TcpProxy({ host: "127.0.0.1", port: cpPort });
  await proxy.start();
  httpPort = await freePort();
}, 180_000);

afterAll(async () => {
  if (unavailable) return;
  await stopAgent("SIGTERM");
  // Leave nothing running: the agent's pods are removed by reset.
  try {
    execFileSync(NODE20, [AGENT, "reset", "--data-dir", agentDir], {
      stdio: "ignore",
      timeout: 60_000,
      env: { ...process.env, K_AGENT_WASM_ONLY: "1" },
    });
  } catch {
    // reported by the tests that depend on it
  }
  client?.close();
  await cp?.stop();
  await proxy?.stop();
  await registry?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 120_000);

describe("k-agent with WebAssembly pods", { timeout: 240_000 }, () => {
  it("joins with a token from kflare token create and reports Ready", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    const made = await createJoinToken(cp.kubeconfigPath, 3_600_000, "e2e");
    // Through the proxy, so the link can later be cut without the agent noticing at once.
    const t = decodeJoinToken(made.joinToken);
    const token = encodeJoinToken({ ...t, server: `https://127.0.0.1:${proxy.port}` });
    agent = startAgent(["join", token, "--node-name", NODE]);
    await eventually("node Ready", async () => (await nodeReady()) === "True");
    expect(agentOut).toContain("verified the cluster's CA against the token's pin");
    expect(await kubectl("get", "nodes")).toMatch(new RegExp(`^${NODE}\\s+Ready\\s`, "m"));
  });

  it("runs a command component and an HTTP component; kubectl logs shows their output", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await apply(deployment("ticker", `${regHost}/kflare-test/ticker:1`));
    await apply(deployment("web", `${regHost}/kflare-test/hello-http:1`, { ports: [{ containerPort: httpPort }] }));
    await eventually(
      "both Running",
      async () => phase(await podOf("ticker")) === "Running" && phase(await podOf("web")) === "Running",
    );
    const ticker = (await podOf("ticker"))!;
    await eventually("ticks in kubectl logs", async () =>
      /tick \d+/.test(await kubectl("logs", ticker.metadata.name!)),
    );
    const body = await eventually("HTTP answer", async () => {
      const r = await fetch(`http://127.0.0.1:${httpPort}/hi`);
      return r.ok ? r.text() : undefined;
    });
    expect(body).toContain("hello from wasi:http /hi");
  });

  it("keeps pods running while the control plane is away, and is Ready again after", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    const before = await guests();
    expect(before).toHaveLength(2);
    await cp.stop();
    client.close();
    const until = Date.now() + OUTAGE_MS;
    while (Date.now() < until) {
      // Throughout the outage the guests keep running and serving.
      expect(await guests()).toEqual(before);
      expect((await fetch(`http://127.0.0.1:${httpPort}/`)).ok).toBe(true);
      await new Promise((r) => setTimeout(r, 5000));
    }
    await startCp();
    await eventually("node Ready after the outage", async () => (await nodeReady()) === "True");
    expect(await guests()).toEqual(before);
  });

  it("goes NotReady when its link is silently cut and Ready again when it is back, restarting nothing", async ({
    skip,
  }) => {
    if (unavailable) return skip(unavailable);
    const before = await guests();
    proxy.block();
    await eventually("NotReady (Unknown)", async () => (await nodeReady()) === "Unknown", 30_000);
    proxy.unblock();
    await eventually("Ready again", async () => (await nodeReady()) === "True", 60_000);
    expect(await guests()).toEqual(before);
  });

  it("restarts nothing when the agent is killed and started again", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    const before = await guests();
    await stopAgent("SIGKILL");
    agent = startAgent(["run"]);
    await eventually(
      "connected again",
      async () =>
        agentOut.lastIndexOf("connected to the control plane") > agentOut.lastIndexOf("Node e2e-wasm is running") ||
        undefined,
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(await guests()).toEqual(before);
    const web = (await podOf("web"))!;
    const restarts = (web.status as { containerStatuses: { restartCount: number }[] }).containerStatuses[0]!
      .restartCount;
    expect(restarts).toBe(0);
  });

  it("shows CrashLoopBackOff with a growing back-off for a crashing component", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await apply(deployment("crash", `${regHost}/kflare-test/crash:1`));
    const waiting = async () => {
      const p = await podOf("crash");
      return (p?.status as { containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[] })
        ?.containerStatuses?.[0]?.state?.waiting;
    };
    const first = await eventually(
      "CrashLoopBackOff",
      async () => ((await waiting())?.reason === "CrashLoopBackOff" ? (await waiting())!.message : undefined),
      60_000,
    );
    expect(first).toMatch(/^back-off 10s restarting failed container=main pod=crash-/);
    const second = await eventually(
      "a longer back-off",
      async () => ((await waiting())?.message ?? "").match(/^back-off (20s|40s)/)?.[0],
      90_000,
    );
    expect(second).toMatch(/back-off (20s|40s)/);
    await kubectl("delete", "deployment", "crash");
  });

  it("reports a component over its memory limit as OOMKilled", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await apply(deployment("hog", `${regHost}/kflare-test/hog:1`, { resources: { limits: { memory: "32Mi" } } }));
    const terminated = await eventually("OOMKilled", async () => {
      const p = await podOf("hog");
      const c = (
        p?.status as {
          containerStatuses?: {
            state?: { terminated?: { reason?: string; exitCode?: number } };
            lastState?: { terminated?: { reason?: string; exitCode?: number } };
          }[];
        }
      )?.containerStatuses?.[0];
      const t = c?.state?.terminated ?? c?.lastState?.terminated;
      return t?.reason === "OOMKilled" ? t : undefined;
    });
    expect(terminated.exitCode).toBe(137);
    await kubectl("delete", "deployment", "hog");
  });

  it("stops the guests of deleted pods", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await kubectl("delete", "deployment", "ticker", "web", "--wait=true");
    await eventually("no guests left", async () => (await guests()).length === 0);
    await eventually(
      "no pods left",
      async () => (await client.get<{ items: Obj[] }>("/api/v1/namespaces/default/pods")).items.length === 0,
    );
  });

  it("brings its pods back from the local state file after a reboot with the control plane unreachable", async ({
    skip,
  }) => {
    if (unavailable) return skip(unavailable);
    await apply(deployment("ticker", `${regHost}/kflare-test/ticker:1`));
    await eventually("Running", async () => phase(await podOf("ticker")) === "Running");
    // The reboot: control plane unreachable, agent gone, guests gone, tmpfs emptied.
    proxy.block();
    await stopAgent("SIGKILL");
    const rt = new WasmRuntime({ stateDir: runtimeStateDir(agentDir) });
    for (const c of await rt.listContainers()) await rt.stopContainer(c.id, 0);
    await rt.close();
    await rm(runtimeStateDir(agentDir), { recursive: true, force: true });
    expect(await guests()).toEqual([]);
    agent = startAgent(["run"]);
    await eventually(
      "the ticker back from the state file",
      async () => (await guests()).some((g) => g.startsWith("ticker-")),
      60_000,
    );
    expect(agentOut).toMatch(/starting 1 pod\(s\) from the offline state/);
    proxy.unblock();
    await eventually("Ready", async () => (await nodeReady()) === "True");
  });

  it("is told to reset and join again once its Node is deleted, and keeps its pods meanwhile", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    const from = agentOut.length;
    await kubectl("delete", "node", NODE);
    await eventually("the agent told what to do", async () =>
      agentOut.slice(from).includes("this node's credential is no longer valid: k-agent reset, then join again"),
    );
    // (The link's close code, 4003, is asserted by the node-session test: through this suite's TCP
    // proxy the close may arrive as a reset.)
    // The session it had cannot bring the Node back, and the machine's pods keep running until reset.
    expect((await runKubectl(["get", "node", NODE], { kubeconfig: cp.kubeconfigPath })).code).not.toBe(0);
    expect((await guests()).some((g) => g.startsWith("ticker-"))).toBe(true);
  });
});

describe("k-agent's refusals", { timeout: 60_000 }, () => {
  function run(args: string[]): { code: number; out: string } {
    try {
      const out = execFileSync(NODE20, [AGENT, ...args], {
        env: { ...process.env, K_AGENT_WASM_ONLY: "1" },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 30_000,
      });
      return { code: 0, out };
    } catch (err) {
      const e = err as { status: number; stdout: string; stderr: string };
      return { code: e.status, out: `${e.stdout}${e.stderr}` };
    }
  }

  it("says what is wrong with a malformed token, and writes nothing", async () => {
    const dir = join(tmpdir(), `kflare-bad-${Date.now()}`);
    const r = run(["join", "not-a-token", "--data-dir", dir]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('this is not a kflare join token (it should start with "kf1_")');
    await expect(readFile(join(dir, "credential.json"))).rejects.toThrow();
  });

  it("says the control plane is unreachable for a dead server URL", async () => {
    const dir = join(tmpdir(), `kflare-dead-${Date.now()}`);
    const port = await freePort();
    const token = encodeJoinToken({
      server: `https://127.0.0.1:${port}`,
      caSha256: "0".repeat(64),
      token: "abcdef.0123456789abcdef",
    });
    const r = run(["join", token, "--data-dir", dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/cannot reach 127\.0\.0\.1:\d+: .*is the control plane running/);
  });

  it("as root on a machine without containerd, names each missing piece and its fix before writing anything", async ({
    skip,
  }) => {
    if (process.getuid?.() !== 0) return skip("the container preflight runs for root agents only");
    const dir = join(tmpdir(), `kflare-preflight-${Date.now()}`);
    const token = encodeJoinToken({
      server: "https://127.0.0.1:1",
      caSha256: "0".repeat(64),
      token: "abcdef.0123456789abcdef",
    });
    let code = 0;
    let out = "";
    try {
      // No containerd, runc or iptables on this PATH: the machine as a fresh Raspberry Pi has it.
      execFileSync(NODE20, [AGENT, "join", token, "--data-dir", dir], {
        env: { PATH: "/nonexistent", HOME: tmpdir() },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 30_000,
      });
    } catch (err) {
      const e = err as { status: number; stdout: string; stderr: string };
      code = e.status;
      out = `${e.stdout}${e.stderr}`;
    }
    expect(code).toBe(1);
    expect(out).toContain("this machine cannot run containers yet");
    expect(out).toContain("containerd and runc not found. Fix: apt-get install containerd runc");
    expect(out).toContain("iptables does not run");
    expect(out).toContain("--wasm-only");
    await expect(readFile(join(dir, "credential.json"))).rejects.toThrow();
  });

  it("names a corrupt state file and the fix", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kflare-corrupt-"));
    await writeFile(
      join(dir, "credential.json"),
      JSON.stringify({ server: "https://127.0.0.1:1", cluster: "default", nodeName: "x", token: "t", joinedAt: "" }),
      { mode: 0o600 },
    );
    await writeFile(join(dir, "state.json"), "{ this is not json", { mode: 0o600 });
    const r = run(["run", "--data-dir", dir]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(join(dir, "state.json"));
    expect(r.out).toContain("k-agent reset");
    await rm(dir, { recursive: true, force: true });
    // The runtime's state on tmpfs, made before the state file was read.
    await rm(runtimeStateDir(dir), { recursive: true, force: true });
  });
});
