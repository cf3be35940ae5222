// Simulated nodes, the way kwok does it: registers N hollow Nodes through the API with the admin
// credential, renews their Leases, moves pods bound to them to Running (Ready, with pod IPs), and
// finishes their graceful deletion. A stopped node goes silent: no lease renewals, no pod updates,
// as a real node behind a dead link.

import { type Connection, KubeClient, KubeError, type Obj } from "../cli/kube-client.ts";
import { DEFAULT_SHAPE, leaseObject, type NodeShape, nodeObject, nodeStatus, runningPodStatus } from "./hollow-node.ts";
import { reflect } from "./reflector.ts";

export interface SimulatorOptions {
  connection: Connection;
  nodes: number;
  /** Node names are `<prefix>-<index>`. */
  prefix?: string;
  shape?: NodeShape;
  /** How often each node renews its Lease (kubelet: 10 s). */
  leaseRenewMs?: number;
  leaseDurationSeconds?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  log?: (line: string) => void;
}

interface SimNode {
  name: string;
  index: number;
  uid?: string;
  hostIP: string;
  nextIp: number;
  stopped: boolean;
  /** A renewal is queued or in flight: the next one waits for it, as kubelet's does. */
  renewing?: boolean;
}

/**
 * Lease renewals and Ready reports in flight at once. A thousand nodes renewing every 10 s need
 * 100 renewals a second; eight at a time kept up only while the store answered within 80 ms, and
 * under bench:scheduler (d)'s load some leases lapsed. (Real kubelets each have their own.)
 */
const HEARTBEAT_CONCURRENCY = 32;

/** How long before a failed pod write is tried again. */
const RETRY_MS = 1000;

/** Runs async jobs with a bound on how many are in flight. */
class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await job();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export class Simulator {
  private readonly client: KubeClient;
  /** Leases go through their own connections: a backlog of pod updates must not starve heartbeats. */
  private readonly leaseClient: KubeClient;
  private nodeWatch: { stop(): void } | undefined;
  private readonly nodes = new Map<string, SimNode>();
  private readonly opts: Required<Omit<SimulatorOptions, "log">> & { log: (line: string) => void };
  private readonly limiter: Limiter;
  /** Heartbeats have their own bound too: queued behind thousands of pod updates they would arrive too late. */
  private readonly leaseLimiter: Limiter;
  private leaseTimer: ReturnType<typeof setInterval> | undefined;
  private watch: { stop(): void } | undefined;
  private closed = false;
  /** Pods already reported Running, by uid, so repeated events do not repeat the update. */
  private readonly started = new Set<string>();

  constructor(opts: SimulatorOptions) {
    this.opts = {
      prefix: "sim",
      shape: DEFAULT_SHAPE,
      leaseRenewMs: 10_000,
      leaseDurationSeconds: 40,
      concurrency: 16,
      log: () => {},
      ...opts,
    };
    this.client = new KubeClient(opts.connection, this.opts.concurrency * 2);
    this.leaseClient = new KubeClient(opts.connection, HEARTBEAT_CONCURRENCY);
    this.limiter = new Limiter(this.opts.concurrency);
    this.leaseLimiter = new Limiter(HEARTBEAT_CONCURRENCY);
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** Registers the nodes (idempotent: existing ones are taken over), then starts leases and the pod loop. */
  async start(): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < this.opts.nodes; i++) {
      const name = `${this.opts.prefix}-${i}`;
      const node: SimNode = { name, index: i, hostIP: "", nextIp: 2, stopped: false };
      this.nodes.set(name, node);
      jobs.push(this.limiter.run(() => this.register(node)));
    }
    await Promise.all(jobs);
    this.opts.log(`registered ${this.nodes.size} simulated nodes`);
    this.leaseTimer = setInterval(() => this.renewAll(), this.opts.leaseRenewMs);
    this.watchPods();
    this.watchNodes();
  }

  private async register(node: SimNode): Promise<void> {
    let created: Obj;
    try {
      created = await this.client.call("POST", "/api/v1/nodes", nodeObject(node.name, node.index));
    } catch (err) {
      if (!(err instanceof KubeError && err.code === 409)) throw err;
      created = await this.client.get(`/api/v1/nodes/${node.name}`);
    }
    node.uid = created.metadata.uid;
    const status = nodeStatus(node.name, node.index, this.opts.shape, Date.now());
    node.hostIP = (status.addresses as { address: string }[])[0]!.address;
    await this.client.call("PATCH", `/api/v1/nodes/${node.name}/status`, { status }, "application/merge-patch+json");
    await this.renew(node);
  }

  private async renew(node: SimNode): Promise<void> {
    const now = Date.now();
    const lease = leaseObject(node.name, node.uid, now, this.opts.leaseDurationSeconds);
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node.name}`;
    try {
      await this.leaseClient.call("PUT", path, lease);
    } catch (err) {
      if (!(err instanceof KubeError && err.code === 404)) throw err;
      await this.leaseClient.call("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease);
    }
  }

  private renewAll(): void {
    for (const node of this.nodes.values()) {
      if (node.stopped || this.closed || node.renewing) continue;
      node.renewing = true;
      this.leaseLimiter
        // Renewals still queued when the simulator closes are dropped, not sent to a stopped server.
        .run(() => (this.closed ? Promise.resolve() : this.renew(node)))
        .catch((err: unknown) => {
          if (!this.closed) this.opts.log(`lease ${node.name}: ${String(err)}`);
        })
        .finally(() => {
          node.renewing = false;
        });
    }
  }

  private watchPods(): void {
    // List, then watch from the list's revision: pods bound before we started are handled too.
    this.watch = reflect(
      this.client,
      "/api/v1/pods",
      (type, pod) => {
        if (type === "ADDED" || type === "MODIFIED") this.onPod(pod);
      },
      this.opts.log,
    );
  }

  /** Like a kubelet that sees the node controller mark it Unknown while it is alive: report Ready again. */
  private watchNodes(): void {
    if (this.closed) return;
    this.nodeWatch = this.client.watch(
      "/api/v1/nodes?labelSelector=kflare.dev%2Fsimulated%3Dtrue",
      (type, n) => {
        const node = this.nodes.get(n.metadata.name ?? "");
        if (type === "DELETED" || !node || node.stopped) return;
        const ready = (
          (n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []
        ).find((c) => c.type === "Ready");
        if (!ready || ready.status === "True") return;
        this.lapses++;
        this.leaseLimiter
          .run(() => this.reportReady(node))
          .catch((err: unknown) => this.opts.log(`status ${node.name}: ${String(err)}`));
      },
      (err) => {
        if (this.closed) return;
        if (err) this.opts.log(`node watch ended: ${err.message}; rewatching`);
        setTimeout(() => this.watchNodes(), 200);
      },
    );
  }

  /** How many times a node the simulator keeps alive was seen marked not Ready (its lease lapsed). */
  lapses = 0;

  private async reportReady(node: SimNode): Promise<void> {
    const status = nodeStatus(node.name, node.index, this.opts.shape, Date.now());
    await this.leaseClient.call(
      "PATCH",
      `/api/v1/nodes/${node.name}/status`,
      { status: { conditions: status.conditions } },
      "application/merge-patch+json",
    );
  }

  private onPod(pod: Obj): void {
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    const node = nodeName ? this.nodes.get(nodeName) : undefined;
    if (!node || node.stopped) return;
    const uid = pod.metadata.uid ?? "";
    const ns = pod.metadata.namespace ?? "default";
    const name = pod.metadata.name ?? "";
    if (pod.metadata.deletionTimestamp) {
      // A real node stops the containers, then confirms with a grace-0 delete.
      this.limiter
        .run(() =>
          this.client.call("DELETE", `/api/v1/namespaces/${ns}/pods/${name}`, {
            gracePeriodSeconds: 0,
            preconditions: { uid },
          }),
        )
        .catch((err: unknown) => {
          if (err instanceof KubeError && (err.code === 404 || err.code === 409)) return;
          this.opts.log(`delete ${ns}/${name}: ${String(err)}; retrying`);
          this.retry(pod);
        });
      return;
    }
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === "Running" || this.started.has(uid)) return;
    this.started.add(uid);
    const ip = this.nextPodIp(node);
    const status = runningPodStatus(pod, ip, node.hostIP, Date.now());
    this.limiter
      .run(() =>
        this.client.call(
          "PATCH",
          `/api/v1/namespaces/${ns}/pods/${name}/status`,
          { status },
          "application/merge-patch+json",
        ),
      )
      .catch((err: unknown) => {
        this.started.delete(uid);
        if (err instanceof KubeError && err.code === 404) return;
        this.opts.log(`start ${ns}/${name}: ${String(err)}; retrying`);
        this.retry(pod);
      });
  }

  /**
   * Tries a pod again after a failed write (a connection the server closed as the request went
   * out, an overloaded store): no later event may come for a pod that does not change, and a
   * kubelet keeps reporting until it is heard.
   */
  private retry(pod: Obj): void {
    if (this.closed) return;
    setTimeout(() => this.onPod(pod), RETRY_MS).unref();
  }

  private nextPodIp(node: SimNode): string {
    const [a, b, c] = (nodeObject(node.name, node.index).spec as { podCIDR: string }).podCIDR.split(".");
    const ip = `${a}.${b}.${c}.${node.nextIp}`;
    node.nextIp = node.nextIp >= 254 ? 2 : node.nextIp + 1;
    return ip;
  }

  /** The node goes silent: its lease expires and its pods are left as they are. */
  stopNode(name: string): void {
    const node = this.nodes.get(name);
    if (node) node.stopped = true;
  }

  /** The node comes back: like a kubelet reconnecting, it reports Ready, renews its lease and handles its pods again. */
  async resumeNode(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node) return;
    node.stopped = false;
    const status = nodeStatus(node.name, node.index, this.opts.shape, Date.now());
    await this.client.call(
      "PATCH",
      `/api/v1/nodes/${node.name}/status`,
      { status: { conditions: status.conditions } },
      "application/merge-patch+json",
    );
    await this.renew(node);
    const pods = await this.client.get<{ items: Obj[] }>(`/api/v1/pods?fieldSelector=spec.nodeName%3D${name}`);
    for (const pod of pods.items) this.onPod(pod);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.watch?.stop();
    this.nodeWatch?.stop();
    this.client.close();
    this.leaseClient.close();
  }
}
