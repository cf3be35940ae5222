// npm run bench:pods (root, Debian: containerd, runc, CNI plugins): pod startup latency on one
// real node. 50 pods created at a steady 5 pods/s through the control plane (created -> Running
// as the API reports it), then, in the same run and against the same containerd, the same pods at
// the same rate straight through the CRI with no control plane (RunPodSandbox + CreateContainer +
// StartContainer): the baseline, so the ratio is our overhead. The image is present (pulled once
// before). Also the agent's and containerd's RSS with 0 and 30 pods. Everything runs in a network
// namespace made for the run, as the end-to-end tests do.

import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CriRuntime } from "../agent/runtime/cri/runtime.ts";
import { containerConfig, podConfig } from "../agent/runtime/testing.ts";
import { containerdLayout, runtimeStateDir } from "../agent/src/runtimes.ts";
import { connectionFromKubeconfig, KubeClient, type Obj } from "../cli/kube-client.ts";
import { startControlPlane } from "../cli/local-control-plane.ts";
import { createJoinToken } from "../cli/token-command.ts";
import { pushTestImages } from "../test/setup/container-images.ts";
import { installContainerPackages } from "../test/setup/containerd.ts";
import { startLoopbackRegistry } from "../test/setup/wasm-fixtures.ts";
import { TestNetns } from "../test/tools/netns.ts";
import { Samples } from "./lib/stats.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const AGENT = join(ROOT, "agent/dist/k-agent.mjs");
const PODS = 50;
const RATE = 5;
const NODE = "bench-pods";

if (process.getuid?.() !== 0) {
  console.error("bench:pods needs root (containerd, network namespaces)");
  process.exit(1);
}
const missing = installContainerPackages();
if (missing.length > 0) {
  console.error(`bench:pods needs ${missing.join(", ")}: apt-get install ${missing.join(" ")}`);
  process.exit(1);
}

/** Resident memory (MiB) of these processes and all their descendants. */
async function treeRssMiB(roots: number[]): Promise<number> {
  const parents = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    parents.set(pid, Number(after[1]));
  }
  const members = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents)
      if (!members.has(pid) && members.has(ppid)) {
        members.add(pid);
        grew = true;
      }
  }
  let kb = 0;
  for (const pid of members) {
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

const rssOf = async (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, "utf8").catch(() => ""))?.[1] ?? 0) / 1024;

const paced = (i: number, t0: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + (i * 1000) / RATE - performance.now())));

const dataDir = await mkdtemp(join(tmpdir(), "kflare-bench-pods-"));
const agentDir = join(dataDir, "agent");
const registry = await startLoopbackRegistry();
if (!registry.available) throw new Error(registry.reason);
const netns = TestNetns.create("kflare-bench");
let agent: ChildProcess | undefined;
const rows: [string, string, string][] = [];
try {
  const images = await pushTestImages(registry.host);
  const cp = await startControlPlane({ dataDir: join(dataDir, "cp"), port: 0 });
  await netns.forward([Number(new URL(cp.url).port), Number(registry.host.split(":")[1])]);
  await mkdir(agentDir, { recursive: true, mode: 0o700 });
  await writeFile(
    join(agentDir, "registries.yaml"),
    `mirrors:\n  "${registry.host}":\n    endpoint: ["http://${registry.host}"]\n`,
  );
  const client = new KubeClient(await connectionFromKubeconfig(cp.kubeconfigPath));
  const { joinToken } = await createJoinToken(cp.kubeconfigPath, 3_600_000, "bench:pods");
  let agentOut = "";
  agent = netns.spawn(process.execPath, [
    AGENT,
    "join",
    joinToken,
    "--node-name",
    NODE,
    "--data-dir",
    agentDir,
    "--sandbox-image",
    images.pause,
  ]);
  agent.stdout?.on("data", (b: Buffer) => (agentOut += b.toString()));
  agent.stderr?.on("data", (b: Buffer) => (agentOut += b.toString()));
  console.log("joining the node ...");
  const deadline = Date.now() + 60_000;
  while (!agentOut.includes("pod network:")) {
    if (Date.now() > deadline) throw new Error(`the agent did not come up:\n${agentOut}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const containerdPid = Number(
    (await readFile(join(containerdLayout(agentDir).state, "containerd.pid"), "utf8")).trim(),
  );
  const agentPid = agent.pid ?? 0;

  const pod = (name: string): Obj => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { bench: "pods" } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "web", image: images.web, imagePullPolicy: "IfNotPresent" }],
    },
  });
  const running = (p: Obj) => (p.status as { phase?: string } | undefined)?.phase === "Running";

  // The image present on the node, as the figure asks.
  await client.call("POST", "/api/v1/namespaces/default/pods", pod("warm"));
  for (;;) {
    const p = await client.call<Obj>("GET", "/api/v1/namespaces/default/pods/warm");
    if (running(p)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await client.call("DELETE", "/api/v1/namespaces/default/pods/warm");
  while ((await client.call<{ items: Obj[] }>("GET", "/api/v1/namespaces/default/pods")).items.length > 0)
    await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 2000)); // settle before measuring idle memory
  // containerd is the agent's child (started detached, its own session): count it separately.
  const agentOnly = async () => (await treeRssMiB([agentPid])) - (await treeRssMiB([containerdPid]));
  const idle = { agent: await agentOnly(), containerd: await rssOf(containerdPid) };

  // (1) Through the control plane: created -> Running, as a watch reports it.
  console.log(`${PODS} pods at ${RATE}/s through the control plane ...`);
  const viaApi = new Samples();
  const sentAt = new Map<string, number>();
  const allRunning = new Promise<void>((resolve) => {
    const w = client.watch(
      "/api/v1/namespaces/default/pods?labelSelector=bench%3Dpods",
      (_type, p) => {
        const at = sentAt.get(p.metadata.name ?? "");
        if (at !== undefined && running(p)) {
          viaApi.add(performance.now() - at);
          sentAt.delete(p.metadata.name ?? "");
          if (viaApi.count === PODS) {
            w.stop();
            resolve();
          }
        }
      },
      () => {},
    );
  });
  let t0 = performance.now();
  for (let i = 0; i < PODS; i++) {
    await paced(i, t0);
    const name = `p-${i}`;
    sentAt.set(name, performance.now());
    void client.call("POST", "/api/v1/namespaces/default/pods", pod(name));
  }
  await allRunning;
  // 30 pods for the memory figure.
  for (let i = 30; i < PODS; i++) await client.call("DELETE", `/api/v1/namespaces/default/pods/p-${i}`);
  while ((await client.call<{ items: Obj[] }>("GET", "/api/v1/namespaces/default/pods")).items.length > 30)
    await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 2000));
  // Shims daemonize (their parent is init, not containerd): found by the socket they serve.
  const shims = async () => {
    const socket = containerdLayout(agentDir).socket;
    let total = 0;
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
      if (cmdline.includes("containerd-shim") && cmdline.includes(socket)) total += await rssOf(Number(entry));
    }
    return total;
  };
  const busy = {
    agent: await agentOnly(),
    containerd: await rssOf(containerdPid),
    shims: await shims(),
  };
  await client.call("DELETE", "/api/v1/namespaces/default/pods?labelSelector=bench%3Dpods");
  while ((await client.call<{ items: Obj[] }>("GET", "/api/v1/namespaces/default/pods")).items.length > 0)
    await new Promise((r) => setTimeout(r, 200));

  // (2) The baseline: the same pods straight through the CRI, no control plane. The agent stops
  // first (containerd keeps running): it would remove sandboxes no pod of its asked for.
  await stopAgent();
  console.log(`${PODS} pods at ${RATE}/s straight through the CRI ...`);
  const cri = new CriRuntime({ socket: containerdLayout(agentDir).socket, cgroupDriver: "cgroupfs" });
  const direct = new Samples();
  const logs = join(dataDir, "direct-logs");
  const starts: Promise<void>[] = [];
  const failures: string[] = [];
  /** RunPodSandbox alone (the pause container and the CNI chain): where the baseline's time goes. */
  const sandboxSteps = new Samples();
  t0 = performance.now();
  for (let i = 0; i < PODS; i++) {
    await paced(i, t0);
    const started = performance.now();
    starts.push(
      (async () => {
        const sandbox = podConfig({
          uid: `direct-${i}`,
          name: `direct-${i}`,
          logDirectory: join(logs, `direct-${i}`),
          hostNetwork: false,
          runtimeHandler: "runc",
        });
        try {
          const id = await cri.runPodSandbox(sandbox);
          const sandboxed = performance.now();
          const c = await cri.createContainer(id, containerConfig({ name: "web", image: images.web }), sandbox);
          await cri.startContainer(c);
          direct.add(performance.now() - started);
          sandboxSteps.add(sandboxed - started);
        } catch (err) {
          failures.push(`direct-${i}: ${(err as Error).message}`);
        }
      })(),
    );
  }
  await Promise.all(starts);
  if (failures.length > 0) console.log(`  ${failures.length} direct starts failed:\n    ${failures.join("\n    ")}`);
  for (const s of await cri.listPodSandboxes()) if (s.name.startsWith("direct-")) await cri.removePodSandbox(s.id);
  await cri.close();

  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`  control plane: p50 ${ms(viaApi.quantile(0.5))}, p99 ${ms(viaApi.quantile(0.99))}`);
  console.log(`  direct CRI:    p50 ${ms(direct.quantile(0.5))}, p99 ${ms(direct.quantile(0.99))}`);
  console.log(
    `    of which RunPodSandbox (pause container + CNI): p50 ${ms(sandboxSteps.quantile(0.5))}, p99 ${ms(sandboxSteps.quantile(0.99))}`,
  );
  rows.push(
    [
      "pod startup p50 / p99, 50 pods at 5/s, image present",
      `${ms(viaApi.quantile(0.5))} / ${ms(viaApi.quantile(0.99))}`,
      "p99 <= 1,500 ms",
    ],
    [
      "same pods straight through the CRI (baseline) p50 / p99",
      `${ms(direct.quantile(0.5))} / ${ms(direct.quantile(0.99))}`,
      "",
    ],
    ["p99 overhead over the baseline", `${(viaApi.quantile(0.99) / direct.quantile(0.99)).toFixed(2)}x`, "<= 2x"],
    ["agent RSS, 0 / 30 pods", `${idle.agent.toFixed(0)} / ${busy.agent.toFixed(0)} MiB`, ""],
    ["containerd RSS, 0 / 30 pods", `${idle.containerd.toFixed(0)} / ${busy.containerd.toFixed(0)} MiB`, ""],
    ["containerd shims, 30 pods", `${busy.shims.toFixed(0)} MiB`, ""],
  );
  client.close();
  await stopAgent();
  const reset = netns.spawn(process.execPath, [AGENT, "reset", "--data-dir", agentDir]);
  await new Promise((resolve) => reset.once("exit", resolve));
  await cp.stop();
} finally {
  await stopAgent();
  await netns.destroy();
  await registry.stop();
  await rm(join(runtimeStateDir(agentDir)), { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
}

console.log("\n| figure | measured | target |\n| --- | --- | --- |");
for (const [a, b, t] of rows) console.log(`| ${a} | ${b} | ${t} |`);

async function stopAgent(): Promise<void> {
  const a = agent;
  agent = undefined;
  if (!a || a.exitCode !== null) return;
  const exited = new Promise((r) => a.once("exit", r));
  a.kill("SIGTERM");
  await exited;
}
