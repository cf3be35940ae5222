// One container node for end-to-end tests, for real: the control plane as `npm start` starts it,
// busybox-based test images in a registry on loopback, and `k-agent join` run as root under the
// machine's own Node 20 inside a network namespace made for it, where the agent starts its own
// containerd. The namespace has a LAN-like address (a veth with a default route), as a
// Raspberry Pi on a home network has. Without root or the container packages, setUp() says why
// (and under CI=true fails instead).

import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CriRuntime } from "../../agent/runtime/cri/runtime.ts";
import { containerdLayout } from "../../agent/src/runtimes.ts";
import { connectionFromKubeconfig, KubeClient, type Obj } from "../../cli/kube-client.ts";
import { type ControlPlane, startControlPlane } from "../../cli/local-control-plane.ts";
import { createJoinToken } from "../../cli/token-command.ts";
import { pushTestImages, type TestImage } from "../setup/container-images.ts";
import { installContainerPackages } from "../setup/containerd.ts";
import { type LoopbackRegistry, startLoopbackRegistry } from "../setup/wasm-fixtures.ts";
import { runKubectl, toolBinaries } from "./binaries.ts";
import { eventually } from "./eventually.ts";
import { hostNetworkSnapshot, TestNetns } from "./netns.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const AGENT = join(ROOT, "agent/dist/k-agent.mjs");
export const NODE20 = "/usr/bin/node";

export interface PodStatusView {
  phase?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  conditions?: { type: string; status: string }[];
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

export type PodView = Obj & { status?: PodStatusView };

export interface ContainerNodeOptions {
  /** Prefix of the namespace and temp dir names. */
  name: string;
  nodeName: string;
  /** The node's LAN address inside its namespace. */
  address?: string;
  vars?: Record<string, string>;
}

export class ContainerNode {
  readonly opts: ContainerNodeOptions;
  /** Set when the machine cannot run this (outside CI): the reason to print. */
  unavailable: string | undefined;
  cp!: ControlPlane;
  client!: KubeClient;
  registry: LoopbackRegistry | undefined;
  netns: TestNetns | undefined;
  images!: Record<TestImage, string>;
  dataDir = "";
  agentDir = "";
  agent: ChildProcess | undefined;
  agentOut = "";
  before: ReturnType<typeof hostNetworkSnapshot> | undefined;

  constructor(opts: ContainerNodeOptions) {
    this.opts = opts;
  }

  get address(): string {
    return this.opts.address ?? "192.168.77.2";
  }

  async setUp(): Promise<void> {
    const why =
      process.getuid?.() !== 0
        ? "containers end to end need root (containerd, network namespaces)"
        : installContainerPackages().map((p) => `missing ${p}: apt-get install ${p}`)[0];
    if (why !== undefined) {
      if (process.env.CI === "true") throw new Error(why);
      this.unavailable = why;
      return;
    }
    this.before = hostNetworkSnapshot();
    this.dataDir = await mkdtemp(join(tmpdir(), `kflare-${this.opts.name}-`));
    this.agentDir = join(this.dataDir, "agent");
    this.registry = await startLoopbackRegistry();
    if (!this.registry.available) throw new Error(this.registry.reason);
    this.images = await pushTestImages(this.registry.host);
    await toolBinaries();
    this.cp = await startControlPlane({ dataDir: join(this.dataDir, "cp"), port: 0, vars: this.opts.vars ?? {} });
    this.client = new KubeClient(await connectionFromKubeconfig(this.cp.kubeconfigPath));
    const netns = TestNetns.create(this.opts.name);
    this.netns = netns;
    // The control plane and the registry answer on the namespace's own loopback, same ports.
    await netns.forward([Number(new URL(this.cp.url).port), Number(this.registry.host.split(":")[1])]);
    // A veth pair whose both ends stay inside (no dummy module on every kernel): eth0 is the "LAN".
    netns.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer"]);
    netns.exec("ip", ["addr", "add", `${this.address}/24`, "dev", "eth0"]);
    netns.exec("ip", ["link", "set", "eth0-peer", "up"]);
    netns.exec("ip", ["link", "set", "eth0", "up"]);
    netns.exec("ip", ["route", "add", "default", "dev", "eth0"]);
    // The registry is plain http: say so as k3s's registries.yaml would.
    await mkdir(this.agentDir, { recursive: true, mode: 0o700 });
    await writeFile(
      join(this.agentDir, "registries.yaml"),
      `mirrors:\n  "${this.registry.host}":\n    endpoint: ["http://${this.registry.host}"]\n`,
    );
  }

  startAgent(args: string[]): ChildProcess {
    if (this.netns === undefined) throw new Error("no network namespace");
    const child = this.netns.spawn(NODE20, [
      AGENT,
      ...args,
      "--data-dir",
      this.agentDir,
      "--sandbox-image",
      this.images.pause,
    ]);
    child.stdout?.on("data", (b: Buffer) => (this.agentOut += b.toString()));
    child.stderr?.on("data", (b: Buffer) => (this.agentOut += b.toString()));
    this.agent = child;
    return child;
  }

  /** Joins the node with a fresh token and waits until it is Ready. */
  async join(): Promise<void> {
    const made = await createJoinToken(this.cp.kubeconfigPath, 3_600_000, `e2e ${this.opts.name}`);
    this.startAgent(["join", made.joinToken, "--node-name", this.opts.nodeName]);
    await this.eventually("node Ready", async () => {
      const node = await this.client.get<Obj>(`/api/v1/nodes/${this.opts.nodeName}`).catch(() => undefined);
      const conditions = (node?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
      return conditions?.find((c) => c.type === "Ready")?.status === "True" ? node : undefined;
    });
  }

  async stopAgent(): Promise<void> {
    const a = this.agent;
    this.agent = undefined;
    if (!a || a.exitCode !== null) return;
    const exited = new Promise((r) => a.once("exit", r));
    a.kill("SIGTERM");
    await exited;
  }

  /** Waits for `probe`, showing pods, events and the agent's output if it never comes. */
  eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    return eventually(what, probe, {
      timeoutMs,
      context: async () => `${await this.diagnostics()}\nagent:\n${this.agentOut.slice(-3000)}`,
    });
  }

  async diagnostics(): Promise<string> {
    const parts: string[] = [];
    for (const args of [
      ["get", "pods", "-o", "wide"],
      ["get", "pods", "-o", 'jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses}{"\\n"}{end}'],
      ["get", "events"],
    ])
      parts.push(await this.kubectl(...args).catch((e: unknown) => String(e)));
    return parts.join("\n");
  }

  async kubectl(...args: string[]): Promise<string> {
    const r = await runKubectl(args, { kubeconfig: this.cp.kubeconfigPath, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  }

  async apply(manifest: object): Promise<void> {
    const file = join(this.dataDir, `m-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify(manifest));
    await this.kubectl("apply", "-f", file);
  }

  async podsOf(app: string): Promise<PodView[]> {
    const list = await this.client.get<{ items: PodView[] }>(
      `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`,
    );
    return list.items.filter((p) => !p.metadata.deletionTimestamp);
  }

  /** The node's running containers as its containerd lists them (pod/name/id). */
  async containers(): Promise<string[]> {
    const runtime = new CriRuntime({ socket: containerdLayout(this.agentDir).socket, cgroupDriver: "cgroupfs" });
    try {
      return (await runtime.listContainers())
        .filter((c) => c.state === "running")
        .map((c) => `${c.labels["io.kubernetes.pod.name"]}/${c.name}/${c.id}`)
        .sort();
    } finally {
      await runtime.close();
    }
  }

  /** Stops the agent, resets the node (pods, containerd, rules), and removes everything made. */
  async tearDown(): Promise<void> {
    if (this.unavailable) return;
    await this.stopAgent();
    if (this.netns) {
      const reset = this.netns.spawn(NODE20, [AGENT, "reset", "--data-dir", this.agentDir]);
      reset.stdout?.on("data", (b: Buffer) => (this.agentOut += b.toString()));
      reset.stderr?.on("data", (b: Buffer) => (this.agentOut += b.toString()));
      const timer = setTimeout(() => reset.kill("SIGKILL"), 120_000);
      await new Promise((resolve) => reset.once("exit", resolve));
      clearTimeout(timer);
    }
    await this.netns?.destroy();
    this.client?.close();
    await this.cp?.stop();
    await this.registry?.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** A Deployment of `replicas` pods labelled app=<name>, with a short grace period (httpd ignores SIGTERM). */
export function deployment(name: string, replicas: number, spec: Record<string, unknown>): object {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 2, ...spec } },
    },
  };
}
