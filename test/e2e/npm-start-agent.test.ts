// `npm start` as a new user runs it: the control plane and its own local agent, a one-node cluster
// from one command. Ctrl-C, an outage, `npm start` again: the pods kept running and nothing restarted.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { pushWasmArtifact } from "../../agent/runtime/wasm/push.ts";
import { WasmRuntime } from "../../agent/runtime/wasm/runtime.ts";
import { defaultNodeName } from "../../agent/src/node-info.ts";
import { runtimeStateDir } from "../../agent/src/runtimes.ts";
import { freePort, type LoopbackRegistry, startLoopbackRegistry, wasmFixtures } from "../setup/wasm-fixtures.ts";
import { runKubectl, toolBinaries } from "../tools/binaries.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OUTAGE_MS = Number(process.env.KFLARE_E2E_OUTAGE_SECONDS ?? "60") * 1000;

let dataDir: string;
let port: number;
let registry: LoopbackRegistry;
let unavailable: string | undefined;
let regHost = "";

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kflare-e2e-npm-agent-"));
  registry = await startLoopbackRegistry();
  if (!registry.available) {
    if (process.env.CI === "true") throw new Error(`these tests need a registry in CI: ${registry.reason}`);
    unavailable = registry.reason;
    return;
  }
  regHost = registry.host;
  await toolBinaries();
  await pushWasmArtifact(regHost, "kflare-test/ticker", "1", await readFile((await wasmFixtures()).ticker));
  port = await freePort();
}, 120_000);

afterAll(async () => {
  if (unavailable) return;
  try {
    execFileSync(
      process.execPath,
      [join(ROOT, "agent/dist/k-agent.mjs"), "reset", "--data-dir", join(dataDir, "agent")],
      { stdio: "ignore", timeout: 60_000, env: { ...process.env, K_AGENT_WASM_ONLY: "1" } },
    );
  } catch {
    // the test reports what matters
  }
  await registry.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 90_000);

interface Started {
  child: ChildProcess;
  output: () => string;
}

async function npmStart(): Promise<Started> {
  const child = spawn("npm", ["start", "--", "--port", String(port), "--data-dir", dataDir], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    // The local agent runs WebAssembly pods only here: containers are tested in a network namespace.
    env: {
      ...process.env,
      PORT: "",
      HOST: "",
      INGRESS_PORT: "0",
      npm_config_script_shell: "/bin/bash",
      K_AGENT_WASM_ONLY: "1",
    },
  });
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  await until(
    () => out.includes("export KUBECONFIG=") || child.exitCode !== null,
    90_000,
    () => out,
  );
  expect(out).toContain("Started a local agent");
  return { child, output: () => out };
}

async function ctrlC(s: Started): Promise<void> {
  const exited = new Promise((r) => s.child.once("exit", r));
  process.kill(-s.child.pid!, "SIGINT");
  await exited;
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`not reached in ${ms} ms:\n${describe().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function kubectl(...args: string[]): Promise<string> {
  const r = await runKubectl(args, { kubeconfig: join(dataDir, "kubeconfig") });
  return r.code === 0 ? r.stdout : `error: ${r.stderr}`;
}

async function guests(): Promise<string[]> {
  const rt = new WasmRuntime({ stateDir: runtimeStateDir(join(dataDir, "agent")) });
  try {
    return (await rt.listContainers()).filter((c) => c.state === "running").map((c) => `${c.id}@${c.startedAt}`);
  } finally {
    await rt.close();
  }
}

it("runs a one-node cluster from `npm start`, and keeps its pods through Ctrl-C, an outage and a restart", {
  timeout: 300_000,
}, async ({ skip }) => {
  if (unavailable) return skip(unavailable);
  const node = defaultNodeName();
  let s = await npmStart();
  try {
    await until(
      async () => new RegExp(`^${node}\\s+Ready\\s`, "m").test(await kubectl("get", "nodes")),
      60_000,
      s.output,
    );
    const manifest = join(dataDir, "ticker.json");
    await writeFile(
      manifest,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "ticker" },
        spec: { runtimeClassName: "wasm", containers: [{ name: "main", image: `${regHost}/kflare-test/ticker:1` }] },
      }),
    );
    await kubectl("apply", "-f", manifest);
    await until(
      async () => (await kubectl("get", "pod", "ticker", "-o", "jsonpath={.status.phase}")) === "Running",
      60_000,
      s.output,
    );
    const before = await guests();
    expect(before).toHaveLength(1);
    await ctrlC(s);
    const end = Date.now() + OUTAGE_MS;
    while (Date.now() < end) {
      expect(await guests()).toEqual(before);
      await new Promise((r) => setTimeout(r, 5000));
    }
    s = await npmStart();
    await until(
      async () => new RegExp(`^${node}\\s+Ready\\s`, "m").test(await kubectl("get", "nodes")),
      60_000,
      s.output,
    );
    expect(await guests()).toEqual(before);
    expect(await kubectl("get", "pod", "ticker", "-o", "jsonpath={.status.containerStatuses[0].restartCount}")).toBe(
      "0",
    );
    // Logs come through the node's link. The Node can still read Ready from before the outage (its
    // lease is within the grace period) while the restarted agent is still connecting.
    await until(async () => /^tick \d+\n$/.test(await kubectl("logs", "ticker", "--tail", "1")), 60_000, s.output);
    await kubectl("delete", "pod", "ticker");
    await until(async () => (await guests()).length === 0, 30_000, s.output);
  } finally {
    await ctrlC(s);
  }
});
