// Container nodes for end-to-end tests, for real: the control plane as `npm start` starts it,
// busybox-based test images in a registry on loopback, and `k-agent join` run as root under the
// machine's own Node 20 inside a network namespace per node, where each agent starts its own
// containerd. The nodes share a LAN: each namespace's eth0 is a veth into a bridge in one more
// namespace (192.168.77.0/24, a default route), as Raspberry Pis on a home network. Without root
// or the container packages, setUp() says why (and under CI=true fails instead).

import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AGENT_NODE_FLAGS } from "../../agent/node-flags.ts";
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
      waiting?: { reason?: string; message?: string };
    };
    lastState?: { terminated?: { reason?: string; exitCode?: number } };
  }[];
}

export type PodView = Obj & { status?: PodStatusView };

export interface ContainerNodeOptions {
  /** Prefix of the namespaces and temp dir names. */
  name: string;
  /** The first node's name. */
  nodeName: string;
  /** The first node's LAN address. */
  address?: string;
  vars?: Record<string, string>;
}

const LAN = "192.168.77";

/** One node: its network namespace on the LAN, its data dir, its agent process. */
export class NodeHost {
  readonly nodeName: string;
  readonly address: string;
  readonly netns: TestNetns;
  readonly agentDir: string;
  agent: ChildProcess | undefined;
  agentOut = "";
  private readonly cluster: ContainerNode;

  constructor(cluster: ContainerNode, nodeName: string, address: string, netns: TestNetns, agentDir: string) {
    this.cluster = cluster;
    this.nodeName = nodeName;
    this.address = address;
    this.netns = netns;
    this.agentDir = agentDir;
  }

  startAgent(args: string[]): ChildProcess {
    const child = this.netns.spawn(NODE20, [
      ...AGENT_NODE_FLAGS,
      AGENT,
      ...args,
      "--data-dir",
      this.agentDir,
      "--sandbox-image",
      this.cluster.images.pause,
    ]);
    child.stdout?.on("data", (b: Buffer) => (this.agentOut += b.toString()));
    child.stderr?.on("data", (b: Buffer) => (this.agentOut += b.toString()));
    this.agent = child;
    return child;
  }

  /** Joins with a fresh token and waits until the node is Ready. */
  async join(): Promise<void> {
    const { cluster } = this;
    const made = await createJoinToken(cluster.cp.kubeconfigPath, 3_600_000, `e2e ${this.nodeName}`);
    this.startAgent(["join", made.joinToken, "--node-name", this.nodeName]);
    await cluster.eventually(`node ${this.nodeName} Ready`, async () => {
      const node = await cluster.client.get<Obj>(`/api/v1/nodes/${this.nodeName}`).catch(() => undefined);
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
    // Bounded: an agent that does not exit on SIGTERM is a bug to report, not a test that hangs.
    let timer: NodeJS.Timeout | undefined;
    const hung = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), 30_000);
      }),
    ]);
    clearTimeout(timer);
    if (hung) {
      a.kill("SIGKILL");
      await exited;
      throw new Error(
        `agent ${this.nodeName} did not exit within 30 s of SIGTERM; its output ends:\n${this.agentOut.slice(-2000)}`,
      );
    }
  }

  /** `k-agent reset`: stops the pods and the agent's containerd, removes its rules and routes. */
  async reset(): Promise<void> {
    const reset = this.netns.spawn(NODE20, [AGENT, "reset", "--data-dir", this.agentDir]);
    reset.stdout?.on("data", (b: Buffer) => (this.agentOut += b.toString()));
    reset.stderr?.on("data", (b: Buffer) => (this.agentOut += b.toString()));
    const timer = setTimeout(() => reset.kill("SIGKILL"), 120_000);
    await new Promise((resolve) => reset.once("exit", resolve));
    clearTimeout(timer);
  }
}

export class ContainerNode {
  readonly opts: ContainerNodeOptions;
  /** Set when the machine cannot run this (outside CI): the reason to print. */
  unavailable: string | undefined;
  cp!: ControlPlane;
  client!: KubeClient;
  registry: LoopbackRegistry | undefined;
  images!: Record<TestImage, string>;
  dataDir = "";
  before: ReturnType<typeof hostNetworkSnapshot> | undefined;
  /** The nodes, the first made by setUp(). */
  readonly nodes: NodeHost[] = [];
  private lan: TestNetns | undefined;

  constructor(opts: ContainerNodeOptions) {
    this.opts = opts;
  }

  /** The first node's: most tests have one. */
  get first(): NodeHost {
    const n = this.nodes[0];
    if (!n) throw new Error("no node: setUp() first");
    return n;
  }
  get netns(): TestNetns | undefined {
    return this.nodes[0]?.netns;
  }
  get agentDir(): string {
    return this.nodes[0]?.agentDir ?? "";
  }
  get agentOut(): string {
    return this.nodes[0]?.agentOut ?? "";
  }
  get address(): string {
    return this.first.address;
  }
  startAgent(args: string[]): ChildProcess {
    return this.first.startAgent(args);
  }
  join(): Promise<void> {
    return this.first.join();
  }
  stopAgent(): Promise<void> {
    return this.first.stopAgent();
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
    this.registry = await startLoopbackRegistry();
    if (!this.registry.available) throw new Error(this.registry.reason);
    this.images = await pushTestImages(this.registry.host);
    await toolBinaries();
    this.cp = await startControlPlane({
      dataDir: join(this.dataDir, "cp"),
      port: 0,
      ingressPort: 0,
      vars: this.opts.vars ?? {},
    });
    this.client = new KubeClient(await connectionFromKubeconfig(this.cp.kubeconfigPath));
    const lan = TestNetns.create(`${this.opts.name}-lan`);
    this.lan = lan;
    lan.exec("ip", ["link", "add", "lan", "type", "bridge"]);
    lan.exec("ip", ["link", "set", "lan", "up"]);
    await this.addNode(this.opts.nodeName, this.opts.address ?? `${LAN}.2`);
  }

  /**
   * A host on the LAN beside the nodes (the home network's other machines): a TCP server at
   * `address`:`port` that answers each connection with the address it came from, then closes.
   */
  async lanHost(address: string, port: number): Promise<{ stop: () => Promise<void> }> {
    const lan = this.lan;
    if (!lan) throw new Error("setUp() first");
    lan.exec("ip", ["addr", "add", `${address}/24`, "dev", "lan"]);
    const server = await lan.spawnReady(
      process.execPath,
      [
        "-e",
        `require("node:net").createServer((s) => s.end(s.remoteAddress + "\\n")).listen(${port}, "${address}", () => console.log("ready"));`,
      ],
      "the LAN host",
    );
    return {
      stop: async () => {
        if (server.exitCode === null && server.signalCode === null) {
          const exited = new Promise((resolve) => server.once("exit", resolve));
          server.kill("SIGTERM");
          await exited;
        }
        lan.exec("ip", ["addr", "del", `${address}/24`, "dev", "lan"]);
      },
    };
  }

  /** Another node on the LAN (not joined yet: call join() on it). */
  async addNode(nodeName: string, address = `${LAN}.${this.nodes.length + 2}`): Promise<NodeHost> {
    const lan = this.lan;
    const registry = this.registry;
    if (!lan || !registry?.available) throw new Error("setUp() first");
    const netns = TestNetns.create(`${this.opts.name}-${this.nodes.length}`);
    const host = new NodeHost(this, nodeName, address, netns, join(this.dataDir, `agent-${this.nodes.length}`));
    this.nodes.push(host);
    // The control plane and the registry answer on the namespace's own loopback, same ports.
    await netns.forward([Number(new URL(this.cp.url).port), Number(registry.host.split(":")[1])]);
    // eth0 is one end of a veth whose other end is a port of the LAN bridge.
    const port = `port${this.nodes.length}`;
    netns.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", port]);
    netns.exec("ip", ["link", "set", port, "netns", lan.name]);
    lan.exec("ip", ["link", "set", port, "master", "lan", "up"]);
    netns.exec("ip", ["addr", "add", `${address}/24`, "dev", "eth0"]);
    netns.exec("ip", ["link", "set", "eth0", "up"]);
    netns.exec("ip", ["route", "add", "default", "dev", "eth0"]);
    // The registry is plain http: say so as k3s's registries.yaml would.
    await mkdir(host.agentDir, { recursive: true, mode: 0o700 });
    await writeFile(
      join(host.agentDir, "registries.yaml"),
      `mirrors:\n  "${registry.host}":\n    endpoint: ["http://${registry.host}"]\n`,
    );
    return host;
  }

  /** Waits for `probe`, showing pods, events and the agents' output if it never comes. */
  eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    return eventually(what, probe, {
      timeoutMs,
      context: async () =>
        `${await this.diagnostics()}\n${this.nodes.map((n) => `agent ${n.nodeName}:\n${n.agentOut.slice(-3000)}`).join("\n")}`,
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

  /** The first node's running containers as its containerd lists them (pod/name/id). */
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

  /** Stops the agents, resets the nodes (pods, containerd, rules, routes), and removes everything made. */
  async tearDown(): Promise<void> {
    if (this.unavailable) return;
    for (const n of this.nodes) await n.stopAgent();
    for (const n of this.nodes) {
      await n.reset();
      await n.netns.destroy();
    }
    await this.lan?.destroy();
    this.client?.close();
    await this.cp?.stop();
    await this.registry?.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** A container command: busybox httpd on port 3000 answering with the pod's name (which pod served). */
export const SERVE_POD_NAME = [
  "/bin/sh",
  "-c",
  "mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -p 3000 -h /tmp/www",
];

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
