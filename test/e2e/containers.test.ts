// Containers end to end, for real: the control plane as `npm start` starts it, a token from
// `kflare token create`, and `k-agent join` run as root under the machine's own Node 20 inside a
// network namespace this test creates, where the agent starts its own containerd and runc. Images
// are busybox-based OCI images pulled from a real registry on loopback. Pods get their own
// addresses from the node's podCIDR, serve on them, reach each other, publish a hostPort, are
// OOMKilled over their memory limit, survive an agent restart untouched, and are gone when
// deleted. Afterwards the machine's own firewall rules and links are what they were.

import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CriRuntime } from "../../agent/runtime/cri/runtime.ts";
import { containerdLayout, runtimeStateDir } from "../../agent/src/runtimes.ts";
import { connectionFromKubeconfig, KubeClient, type Obj } from "../../cli/kube-client.ts";
import { type ControlPlane, startControlPlane } from "../../cli/local-control-plane.ts";
import { createJoinToken } from "../../cli/token-command.ts";
import { pushTestImages, type TestImage } from "../setup/container-images.ts";
import { installContainerPackages } from "../setup/containerd.ts";
import { type LoopbackRegistry, startLoopbackRegistry } from "../setup/wasm-fixtures.ts";
import { runKubectl, toolBinaries } from "../tools/binaries.ts";
import { eventually as waitUntil } from "../tools/eventually.ts";
import { hostNetworkSnapshot, TestNetns } from "../tools/netns.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const AGENT = join(ROOT, "agent/dist/k-agent.mjs");
const NODE20 = "/usr/bin/node";
const NODE = "e2e-containers";
const VARS = { NODE_KEEPALIVE_SECONDS: "1", NODE_GRACE_PERIOD_SECONDS: "4" };

let cp: ControlPlane | undefined;
let client: KubeClient;
let registry: LoopbackRegistry | undefined;
let netns: TestNetns | undefined;
let images: Record<TestImage, string>;
let dataDir: string;
let agentDir: string;
let agent: ChildProcess | undefined;
let agentOut = "";
let before: ReturnType<typeof hostNetworkSnapshot> | undefined;
let unavailable: string | undefined;

function startAgent(args: string[]): ChildProcess {
  if (netns === undefined) throw new Error("no network namespace");
  const child = netns.spawn(NODE20, [AGENT, ...args, "--data-dir", agentDir, "--sandbox-image", images.pause]);
  child.stdout?.on("data", (b: Buffer) => (agentOut += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (agentOut += b.toString()));
  return child;
}

async function stopAgent(): Promise<void> {
  const a = agent;
  agent = undefined;
  if (!a || a.exitCode !== null) return;
  const exited = new Promise((r) => a.once("exit", r));
  a.kill("SIGTERM");
  await exited;
}

const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000) =>
  waitUntil(what, probe, {
    timeoutMs,
    context: async () => `${await diagnostics()}\nagent:\n${agentOut.slice(-3000)}`,
  });

/** What a person would look at when a wait fails: the pods, their states, recent events. */
async function diagnostics(): Promise<string> {
  const parts: string[] = [];
  for (const args of [
    ["get", "pods", "-o", "wide"],
    ["get", "pods", "-o", 'jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses}{"\\n"}{end}'],
    ["get", "events"],
  ])
    parts.push(await kubectl(...args).catch((e: unknown) => String(e)));
  return parts.join("\n");
}

async function kubectl(...args: string[]): Promise<string> {
  if (cp === undefined) throw new Error("no control plane");
  const r = await runKubectl(args, { kubeconfig: cp.kubeconfigPath, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function apply(manifest: object): Promise<void> {
  const file = join(dataDir, `m-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(manifest));
  await kubectl("apply", "-f", file);
}

function deployment(name: string, replicas: number, spec: Record<string, unknown>): object {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      // httpd as PID 1 ignores SIGTERM: a short grace period keeps deletes quick.
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 2, ...spec } },
    },
  };
}

interface PodStatus {
  phase?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  containerStatuses?: {
    containerID?: string;
    restartCount: number;
    state?: {
      terminated?: { reason?: string; exitCode?: number; message?: string };
      running?: { startedAt?: string };
    };
    lastState?: { terminated?: { reason?: string; exitCode?: number } };
  }[];
}

async function podsOf(app: string): Promise<(Obj & { status?: PodStatus })[]> {
  const list = await client.get<{ items: (Obj & { status?: PodStatus })[] }>(
    `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`,
  );
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

/** The node's containers as its containerd lists them (running ones, by pod and id). */
async function containers(): Promise<string[]> {
  const runtime = new CriRuntime({ socket: containerdLayout(agentDir).socket, cgroupDriver: "cgroupfs" });
  try {
    return (await runtime.listContainers())
      .filter((c) => c.state === "running")
      .map((c) => `${c.labels["io.kubernetes.pod.name"]}/${c.name}/${c.id}`)
      .sort();
  } finally {
    await runtime.close();
  }
}

/** An IPv4 address inside a CIDR. */
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const n = (a: string) => a.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (n(ip) & mask) >>> 0 === (n(base ?? "") & mask) >>> 0;
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
  dataDir = await mkdtemp(join(tmpdir(), "kflare-e2e-ctr-"));
  agentDir = join(dataDir, "agent");
  registry = await startLoopbackRegistry();
  if (!registry.available) throw new Error(registry.reason);
  images = await pushTestImages(registry.host);
  await toolBinaries();
  cp = await startControlPlane({ dataDir: join(dataDir, "cp"), port: 0, vars: VARS });
  client = new KubeClient(await connectionFromKubeconfig(cp.kubeconfigPath));
  netns = TestNetns.create("kflare-e2e");
  // The control plane and the registry answer on the namespace's own loopback, same ports.
  await netns.forward([Number(new URL(cp.url).port), Number(registry.host.split(":")[1])]);
  // The registry is plain http: say so as k3s's registries.yaml would.
  await mkdir(agentDir, { recursive: true, mode: 0o700 });
  await writeFile(
    join(agentDir, "registries.yaml"),
    `mirrors:\n  "${registry.host}":\n    endpoint: ["http://${registry.host}"]\n`,
  );
}, 600_000);

afterAll(async () => {
  if (unavailable) return;
  await stopAgent();
  // Leave nothing running: reset stops the pods and the agent's containerd.
  if (netns) {
    const reset = netns.spawn(NODE20, [AGENT, "reset", "--data-dir", agentDir]);
    reset.stdout?.on("data", (b: Buffer) => (agentOut += b.toString()));
    reset.stderr?.on("data", (b: Buffer) => (agentOut += b.toString()));
    const timer = setTimeout(() => reset.kill("SIGKILL"), 120_000);
    await new Promise((resolve) => reset.once("exit", resolve));
    clearTimeout(timer);
  }
  await netns?.destroy();
  client?.close();
  await cp?.stop();
  await registry?.stop();
  await rm(dataDir, { recursive: true, force: true });
}, 180_000);

describe("k-agent with containers (containerd, runc, CNI) in a network namespace", { timeout: 240_000 }, () => {
  it("joins as root, starts its own containerd and reports Ready with the runc handler", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    const made = await createJoinToken(cp!.kubeconfigPath, 3_600_000, "e2e containers");
    agent = startAgent(["join", made.joinToken, "--node-name", NODE]);
    await eventually("node Ready", async () => {
      const node = await client.get<Obj>(`/api/v1/nodes/${NODE}`);
      const conditions = (node.status as { conditions?: { type: string; status: string }[] }).conditions ?? [];
      return conditions.find((c) => c.type === "Ready")?.status === "True" ? node : undefined;
    });
    expect(agentOut).toMatch(/started containerd \(pid \d+/);
    const node = await client.get<Obj>(`/api/v1/nodes/${NODE}`);
    expect((node.status as { nodeInfo: { containerRuntimeVersion: string } }).nodeInfo.containerRuntimeVersion).toMatch(
      /^containerd:\/\//,
    );
    expect(await kubectl("get", "nodes")).toMatch(new RegExp(`^${NODE}\\s+Ready\\s`, "m"));
  });

  it("runs a Deployment whose pods get their own IPs from the node's podCIDR and serve on them", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await apply(
      deployment("web", 2, {
        containers: [
          {
            name: "httpd",
            image: images.web,
            ports: [{ containerPort: 80 }],
            resources: { requests: { cpu: "50m", memory: "16Mi" }, limits: { cpu: "250m", memory: "64Mi" } },
          },
        ],
      }),
    );
    const pods = await eventually("2 web pods Running", async () => {
      const p = await podsOf("web");
      return p.length === 2 && p.every((x) => x.status?.phase === "Running" && x.status.podIP) ? p : undefined;
    });
    const node = await client.get<Obj>(`/api/v1/nodes/${NODE}`);
    const podCIDR = (node.spec as { podCIDR: string }).podCIDR;
    const ips = pods.map((p) => p.status?.podIP ?? "");
    expect(new Set(ips).size).toBe(2);
    for (const ip of ips) expect(inCidr(ip, podCIDR), `${ip} in ${podCIDR}`).toBe(true);
    for (const ip of ips) expect(netns!.exec("curl", ["-s", "-m", "5", `http://${ip}/`])).toBe("hello from web\n");
    expect(pods[0]?.status?.podIPs).toEqual([{ ip: ips[0] }]);
  });

  it("lets a pod reach another pod by its IP; kubectl logs shows what it got", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    const target = (await podsOf("web"))[0]?.status?.podIP ?? "";
    await apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "client", labels: { app: "client" } },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "nc",
            image: images.hello,
            // busybox wget crashes on these machines; nc speaks HTTP well enough.
            command: ["/bin/sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc ${target} 80`],
          },
        ],
      },
    });
    await eventually("client Succeeded", async () => (await podsOf("client"))[0]?.status?.phase === "Succeeded");
    expect(await kubectl("logs", "client")).toContain("hello from web");
  });

  it("publishes a hostPort on the node", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await apply(
      deployment("published", 1, {
        containers: [{ name: "httpd", image: images.web, ports: [{ containerPort: 80, hostPort: 18080 }] }],
      }),
    );
    await eventually("published Running", async () => (await podsOf("published"))[0]?.status?.phase === "Running");
    const node = await client.get<Obj>(`/api/v1/nodes/${NODE}`);
    const address = (node.status as { addresses: { type: string; address: string }[] }).addresses.find(
      (a) => a.type === "InternalIP",
    )?.address;
    const body = await eventually("hostPort answers", async () => {
      try {
        return netns!.exec("curl", ["-s", "-m", "5", `http://${address ?? "127.0.0.1"}:18080/`]);
      } catch {
        return netns!.exec("curl", ["-s", "-m", "5", "http://127.0.0.1:18080/"]);
      }
    });
    expect(body).toBe("hello from web\n");
  });

  it("reports a container over its memory limit as OOMKilled (137)", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await apply(
      deployment("hog", 1, {
        containers: [{ name: "hog", image: images.memoryhog, resources: { limits: { memory: "32Mi" } } }],
      }),
    );
    const terminated = await eventually("OOMKilled", async () => {
      const c = (await podsOf("hog"))[0]?.status?.containerStatuses?.[0];
      const t = c?.state?.terminated ?? c?.lastState?.terminated;
      return t?.reason === "OOMKilled" ? t : undefined;
    });
    expect(terminated.exitCode).toBe(137);
    await kubectl("delete", "deployment", "hog");
  });

  it("restarts no container when the agent is stopped and started again", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    const running = await containers();
    expect(running.filter((c) => c.startsWith("web-"))).toHaveLength(2);
    await stopAgent();
    // The containers outlive the agent: containerd and its shims keep them.
    expect(await containers()).toEqual(running);
    agent = startAgent(["run"]);
    await eventually("adopted containerd", async () => /adopted containerd \(pid \d+/.test(agentOut));
    await eventually(
      "connected again",
      async () => agentOut.lastIndexOf("connected to the control plane") > agentOut.lastIndexOf("adopted containerd"),
    );
    // Let the agent sync its pods; nothing may be restarted.
    await eventually("pods reported after restart", async () => {
      const pods = await podsOf("web");
      return pods.every((p) => p.status?.containerStatuses?.[0]?.restartCount === 0 && p.status.phase === "Running");
    });
    expect(await containers()).toEqual(running);
  });

  it("mounts configMap, secret, emptyDir (also in memory), downwardAPI, projected and subPath volumes", async ({
    skip,
  }) => {
    if (unavailable) return skip(unavailable);
    await apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings" },
      data: { greeting: "hello from a configmap", "app.conf": "mode=fast" },
    });
    await apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "creds" },
      stringData: { password: "s3cret-value" },
    });
    const script = [
      "echo greeting=$(cat /etc/settings/greeting)",
      "echo items=$(ls /etc/items)",
      "echo conf=$(cat /etc/items/renamed.conf)",
      "echo password=$(cat /etc/creds/password)",
      "echo secretmode=$(stat -L -c %a /etc/creds/password)",
      "echo scratch=$(echo kept > /scratch/f && cat /scratch/f)",
      "echo memory=$(grep ' /fast ' /proc/mounts | cut -d' ' -f3)",
      "echo labels=$(cat /etc/podinfo/labels)",
      "echo projected=$(cat /etc/projected/greeting)/$(cat /etc/projected/name)",
      "echo subpath=$(cat /app/app.conf)",
      "touch /etc/settings/new 2>/dev/null && echo readonly=no || echo readonly=yes",
    ].join("; ");
    await apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "volumes", labels: { app: "volumes", tier: "test" } },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "main",
            image: images.hello,
            command: ["/bin/sh", "-c", script],
            volumeMounts: [
              { name: "settings", mountPath: "/etc/settings", readOnly: true },
              { name: "items", mountPath: "/etc/items" },
              { name: "creds", mountPath: "/etc/creds" },
              { name: "scratch", mountPath: "/scratch" },
              { name: "fast", mountPath: "/fast" },
              { name: "podinfo", mountPath: "/etc/podinfo" },
              { name: "projected", mountPath: "/etc/projected" },
              { name: "settings", mountPath: "/app/app.conf", subPath: "app.conf" },
            ],
          },
        ],
        volumes: [
          { name: "settings", configMap: { name: "settings" } },
          { name: "items", configMap: { name: "settings", items: [{ key: "app.conf", path: "renamed.conf" }] } },
          { name: "creds", secret: { secretName: "creds", defaultMode: 0o400 } },
          { name: "scratch", emptyDir: {} },
          { name: "fast", emptyDir: { medium: "Memory" } },
          {
            name: "podinfo",
            downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels['tier']" } }] },
          },
          {
            name: "projected",
            projected: {
              sources: [
                { configMap: { name: "settings", items: [{ key: "greeting", path: "greeting" }] } },
                { downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] } },
              ],
            },
          },
        ],
      },
    });
    await eventually("volumes pod Succeeded", async () => (await podsOf("volumes"))[0]?.status?.phase === "Succeeded");
    const logs = await kubectl("logs", "volumes");
    expect(logs.trim().split("\n")).toEqual([
      "greeting=hello from a configmap",
      "items=renamed.conf",
      "conf=mode=fast",
      "password=s3cret-value",
      "secretmode=400",
      "scratch=kept",
      "memory=tmpfs",
      "labels=test",
      "projected=hello from a configmap/volumes",
      "subpath=mode=fast",
      "readonly=yes",
    ]);
    // The secret's value is in the pod's own output only, never in the agent's.
    expect(agentOut).not.toContain("s3cret-value");
    await kubectl("delete", "pod", "volumes", "--wait=true");
  });

  it("reports what a container wrote to its termination message file, or its log tail on error", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    const pod = (name: string, script: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { app: name } },
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "main", image: images.hello, command: ["/bin/sh", "-c", script], ...extra }],
      },
    });
    await apply(pod("said", "echo 'all done: 42 items' > /dev/termination-log; exit 3"));
    await apply(
      pod("fallback", "echo 'first line'; echo 'it broke here'; exit 1", {
        terminationMessagePolicy: "FallbackToLogsOnError",
      }),
    );
    const terminated = async (name: string) =>
      eventually(
        `${name} terminated`,
        async () => (await podsOf(name))[0]?.status?.containerStatuses?.[0]?.state?.terminated,
      );
    expect(await terminated("said")).toMatchObject({ exitCode: 3, reason: "Error", message: "all done: 42 items\n" });
    expect(await terminated("fallback")).toMatchObject({ exitCode: 1, message: "first line\nit broke here\n" });
    await kubectl("delete", "pod", "said", "fallback", "--wait=true");
  });

  it("stops and removes the containers of deleted pods", async ({ skip }) => {
    if (unavailable) return skip(unavailable);
    await kubectl("delete", "deployment", "web", "published", "--wait=true");
    await kubectl("delete", "pod", "client", "--wait=true");
    await eventually("no containers left", async () => (await containers()).length === 0);
    await eventually(
      "no pods left",
      async () => (await client.get<{ items: Obj[] }>("/api/v1/namespaces/default/pods")).items.length === 0,
    );
  });

  it("leaves nothing behind after 100 pods created and deleted: containers, sandboxes, netns, addresses, cgroups, veths", async ({
    skip,
  }) => {
    if (unavailable) return skip(unavailable);
    const links = () => netns!.exec("ip", ["-o", "link"]).trim().split("\n").length;
    const baseline = links();
    const cycle = deployment("cycle", 0, {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "main", image: images.ticker, resources: { requests: { cpu: "1m", memory: "1Mi" } } }],
    });
    await apply(cycle);
    for (let round = 0; round < 5; round++) {
      await kubectl("scale", "deployment", "cycle", "--replicas=20");
      await eventually(
        `round ${round}: 20 Running`,
        async () => (await podsOf("cycle")).filter((p) => p.status?.phase === "Running").length === 20,
        120_000,
      );
      await kubectl("scale", "deployment", "cycle", "--replicas=0");
      await eventually(
        `round ${round}: all gone`,
        async () =>
          (await client.get<{ items: Obj[] }>("/api/v1/namespaces/default/pods?labelSelector=app%3Dcycle")).items
            .length === 0,
        120_000,
      );
    }
    await kubectl("delete", "deployment", "cycle", "--wait=true");
    await eventually("no containers", async () => (await containers()).length === 0);
    const runtime = new CriRuntime({ socket: containerdLayout(agentDir).socket, cgroupDriver: "cgroupfs" });
    try {
      await eventually("no sandboxes", async () => (await runtime.listPodSandboxes()).length === 0);
    } finally {
      await runtime.close();
    }
    const cniNetns = existsSync("/run/netns") ? readdirSync("/run/netns").filter((n) => n.startsWith("cni-")) : [];
    expect(cniNetns).toEqual([]);
    const ipam = join(runtimeStateDir(agentDir), "cni-ipam", "kflare-pods");
    expect(existsSync(ipam) ? readdirSync(ipam).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : []).toEqual([]);
    const kubepods = "/sys/fs/cgroup/memory/kubepods";
    expect(existsSync(kubepods) ? readdirSync(kubepods).filter((f) => f.startsWith("pod")) : []).toEqual([]);
    // Every pod's veth went with it: the namespace has its loopback and the bridge, as before.
    expect(links()).toBe(baseline);
  });

  it("left the machine's own firewall rules and links as they were", async ({ skip }) => {
    if (unavailable || before === undefined) return skip(unavailable ?? "no snapshot");
    expect(hostNetworkSnapshot()).toEqual(before);
  });
});
