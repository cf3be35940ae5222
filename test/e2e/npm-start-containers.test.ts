// The seed manifest for real: `npm start` (its local agent, as root, runs containerd) inside a
// network namespace this test creates, then `kubectl apply -f examples/deployment.yaml` unchanged.
// `myapp:1.2.0` means docker.io/library/myapp:1.2.0: the agent's registries.yaml makes a loopback
// registry docker.io's mirror, and the namespace has no route anywhere else, so nothing is fetched
// from the internet. Then scale, a killed container restarted, OOMKilled, image pull errors, and
// delete: no containers, sandboxes, addresses or pod cgroups left, the machine's network as it was.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CriRuntime } from "../../agent/runtime/cri/runtime.ts";
import { containerdLayout, runtimeStateDir } from "../../agent/src/runtimes.ts";
import { pushTestImage, pushTestImages, type TestImage } from "../setup/container-images.ts";
import { installContainerPackages } from "../setup/containerd.ts";
import { freePort, type LoopbackRegistry, startLoopbackRegistry } from "../setup/wasm-fixtures.ts";
import { runKubectl, toolBinaries } from "../tools/binaries.ts";
import { eventually as waitUntil } from "../tools/eventually.ts";
import { hostNetworkSnapshot, TestNetns } from "../tools/netns.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const AGENT = join(ROOT, "agent/dist/k-agent.mjs");
const EXAMPLE = join(ROOT, "examples/deployment.yaml");

let registry: LoopbackRegistry | undefined;
let netns: TestNetns | undefined;
let images: Record<TestImage, string>;
let dataDir = "";
let port = 0;
let npmStart: ChildProcess | undefined;
let out = "";
let before: ReturnType<typeof hostNetworkSnapshot> | undefined;
let unavailable: string | undefined;

const agentDir = () => join(dataDir, "agent");

async function kubectl(...args: string[]): Promise<string> {
  const r = await runKubectl(args, { kubeconfig: join(dataDir, "kubeconfig"), prefix: netns?.prefix() ?? [] });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function diagnostics(): Promise<string> {
  const parts: string[] = [];
  for (const args of [
    ["get", "pods", "-o", "wide"],
    ["get", "events"],
  ])
    parts.push(await kubectl(...args).catch((e: unknown) => String(e)));
  return parts.join("\n");
}

const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 90_000) =>
  waitUntil(what, probe, {
    timeoutMs,
    intervalMs: 250,
    context: async () => `${await diagnostics()}\nnpm start:\n${out.slice(-3000)}`,
  });

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: {
      restartCount: number;
      state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } };
      lastState?: { terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}

async function pods(selector: string): Promise<Pod[]> {
  const list = JSON.parse(await kubectl("get", "pods", "-l", selector, "-o", "json")) as { items: Pod[] };
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

function cri(): CriRuntime {
  return new CriRuntime({ socket: containerdLayout(agentDir()).socket, cgroupDriver: "cgroupfs" });
}

/** Running containers of pods whose name starts with `prefix`, as containerd lists them. */
async function runningContainers(prefix: string): Promise<{ id: string; pod: string }[]> {
  const runtime = cri();
  try {
    return (await runtime.listContainers())
      .filter((c) => c.state === "running" && (c.labels["io.kubernetes.pod.name"] ?? "").startsWith(prefix))
      .map((c) => ({ id: c.id, pod: c.labels["io.kubernetes.pod.name"] ?? "" }));
  } finally {
    await runtime.close();
  }
}

async function apply(manifest: object): Promise<void> {
  const file = join(dataDir, `m-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(manifest));
  await kubectl("apply", "-f", file);
}

function deployment(name: string, image: string, extra: Record<string, unknown> = {}): object {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 2, containers: [{ name: "main", image, ...extra }] },
      },
    },
  };
}

beforeAll(async () => {
  const why =
    process.getuid?.() !== 0
      ? "containers end to end need root (containerd, network namespaces)"
      : installContainerPackages().map((p) => `missing ${p}: apt-get install ${p}`)[0];
  if (why !== undefined) {
    if (process.env.CI === "true") throw new Error(why);
    unavailable = why;
    return;
  }
  before = hostNetworkSnapshot();
  dataDir = await mkdtemp(join(tmpdir(), "kflare-e2e-seed-"));
  registry = await startLoopbackRegistry();
  if (!registry.available) throw new Error(registry.reason);
  images = await pushTestImages(registry.host);
  // The seed's image, where docker.io/library/myapp:1.2.0 would be.
  await pushTestImage(registry.host, "myapp", "library/myapp", "1.2.0");
  await toolBinaries();
  netns = TestNetns.create("kflare-seed");
  await netns.forward([Number(registry.host.split(":")[1])]);
  await mkdir(agentDir(), { recursive: true, mode: 0o700 });
  await writeFile(
    join(agentDir(), "registries.yaml"),
    `mirrors:\n  docker.io:\n    endpoint: ["http://${registry.host}"]\n`,
  );
  port = await freePort();
  const [nsenter, ...words] = netns.prefix();
  npmStart = spawn(
    nsenter ?? "nsenter",
    [...words, "npm", "start", "--", "--port", String(port), "--data-dir", dataDir],
    {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PORT: "",
        HOST: "",
        npm_config_script_shell: "/bin/bash",
        K_AGENT_SANDBOX_IMAGE: images.pause,
      },
    },
  );
  npmStart.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  npmStart.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 120_000;
  while (!out.includes("export KUBECONFIG=") && npmStart.exitCode === null && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  if (!out.includes("export KUBECONFIG=")) throw new Error(`npm start did not come up:\n${out}`);
}, 600_000);

afterAll(async () => {
  if (unavailable) return;
  const child = npmStart;
  if (child?.pid !== undefined && child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(-child.pid, "SIGINT");
    await exited;
  }
  if (netns && existsSync(agentDir())) {
    const reset = netns.spawn(process.execPath, [AGENT, "reset", "--data-dir", agentDir()]);
    const timer = setTimeout(() => reset.kill("SIGKILL"), 120_000);
    await new Promise((resolve) => reset.once("exit", resolve));
    clearTimeout(timer);
  }
  await netns?.destroy();
  await registry?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 240_000);

describe("npm start runs the seed manifest in containers", { timeout: 300_000 }, () => {
  it("the local agent runs containerd; examples/deployment.yaml gives 3 pods with their own IPs answering on port 3000", async ({
    skip,
  }) => {
    if (unavailable) return skip(unavailable);
    await eventually("the local agent's containerd", async () => /\[agent\] started containerd \(pid \d+/.test(out));
    await eventually("the node Ready", async () => /\sReady\s/.test(await kubectl("get", "nodes", "--no-headers")));
    await kubectl("apply", "-f", EXAMPLE);
    const running = await eventually("3 web-app pods Running", async () => {
      const p = await pods("app=web-app");
      return p.length === 3 && p.every((x) => x.status?.phase === "Running" && x.status.podIP) ? p : undefined;
    });
    const ips = running.map((p) => p.status?.podIP ?? "");
    expect(new Set(ips).size).toBe(3);
    for (const ip of ips) expect(netns!.exec("curl", ["-s", "-m", "5", `http://${ip}:3000/`])).toBe("hello from web\n");
  });

  it("kubectl scale --replicas=5 runs 5 containers in containerd", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await kubectl("scale", "deployment", "web-app", "--replicas=5");
    await eventually(
      "5 Running",
      async () => (await pods("app=web-app")).filter((p) => p.status?.phase === "Running").length === 5,
    );
    expect(
      await eventually("5 containers", async () =>
        (await runningContainers("web-app-")).length === 5 ? 5 : undefined,
      ),
    ).toBe(5);
  });

  it("a container whose process is killed is restarted: restartCount 1", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    const [victim] = await runningContainers("web-app-");
    if (victim === undefined) throw new Error("no container to kill");
    // The container's main process, as containerd's task list names it.
    const tasks = execFileSync(
      "ctr",
      ["--address", containerdLayout(agentDir()).socket, "-n", "k8s.io", "tasks", "ls"],
      {
        encoding: "utf8",
      },
    );
    const pid = tasks
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .find((cols) => cols[0] === victim.id)?.[1];
    expect(pid).toMatch(/^\d+$/);
    process.kill(Number(pid), "SIGKILL");
    const restarted = await eventually("restartCount 1", async () => {
      const pod = (await pods("app=web-app")).find((p) => p.metadata.name === victim.pod);
      const c = pod?.status?.containerStatuses?.[0];
      return c?.restartCount === 1 && pod?.status?.phase === "Running" ? c : undefined;
    });
    expect(restarted.lastState?.terminated?.exitCode).toBe(137);
  });

  it("a container over its memory limit is OOMKilled", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await apply(deployment("hog", images.memoryhog, { resources: { limits: { memory: "32Mi" } } }));
    const t = await eventually("OOMKilled", async () => {
      const c = (await pods("app=hog"))[0]?.status?.containerStatuses?.[0];
      const term = c?.state?.terminated ?? c?.lastState?.terminated;
      return term?.reason === "OOMKilled" ? term : undefined;
    });
    expect(t.exitCode).toBe(137);
  });

  it("an image no registry has: ErrImagePull, then ImagePullBackOff, with events; a malformed one: InvalidImageName", async ({
    skip,
  }) => {
    if (unavailable) return skip(unavailable);
    await apply(deployment("missing", "nosuchimage:1.0"));
    await apply(deployment("malformed", "Not Valid:!"));
    const reasons = new Set<string>();
    await eventually("ErrImagePull and ImagePullBackOff", async () => {
      const reason = (await pods("app=missing"))[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (reason) reasons.add(reason);
      return reasons.has("ErrImagePull") && reasons.has("ImagePullBackOff");
    });
    const events = await kubectl("get", "events", "--field-selector", "involvedObject.kind=Pod");
    expect(events).toMatch(/Failed\s+pod\/missing-\S+\s+Failed to pull image "nosuchimage:1.0"/);
    expect(events).toMatch(/BackOff\s+pod\/missing-\S+\s+Back-off pulling image "nosuchimage:1.0"/);
    const invalid = await eventually("InvalidImageName", async () => {
      const w = (await pods("app=malformed"))[0]?.status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === "InvalidImageName" ? w : undefined;
    });
    expect(invalid.message).toContain("Not Valid:!");
  });

  it("kubectl delete leaves no containers, sandboxes, pod addresses or pod cgroups", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await kubectl("delete", "-f", EXAMPLE, "--wait=true");
    await kubectl("delete", "deployment", "hog", "missing", "malformed", "--wait=true");
    await eventually(
      "no pods",
      async () => (await pods("app")).length === 0 && (await kubectl("get", "pods", "-o", "name")).trim() === "",
    );
    const runtime = cri();
    try {
      await eventually("no containers or sandboxes", async () => {
        return (await runtime.listContainers()).length === 0 && (await runtime.listPodSandboxes()).length === 0;
      });
    } finally {
      await runtime.close();
    }
    // host-local keeps one file per address in use (plus its own bookkeeping files).
    const ipam = join(runtimeStateDir(agentDir()), "cni-ipam", "kflare-pods");
    const held = existsSync(ipam) ? readdirSync(ipam).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
    expect(held).toEqual([]);
    const kubepods = "/sys/fs/cgroup/memory/kubepods";
    const podCgroups = existsSync(kubepods) ? readdirSync(kubepods).filter((f) => f.startsWith("pod")) : [];
    expect(podCgroups).toEqual([]);
  });

  it("left the machine's own firewall rules and links as they were", async ({ skip }) => {
    if (unavailable || before === undefined) return skip(unavailable ?? "no snapshot");
    expect(hostNetworkSnapshot()).toEqual(before);
  });
});
