// The store Durable Object: one per cluster, every object of that cluster in its SQLite, one
// cluster-wide resourceVersion, and the watch hub. Its RPC methods answer results, never throw.

import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../../../migrations/migrations.js";
import type { AgentFrame } from "../../../schemas/agent/protocol.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import type { PolicyRule } from "../../../schemas/rbac/role.ts";
import { type ResourceType, resourceFor, storageResource } from "../../../schemas/registry.ts";
import { configureAdmission } from "../../api/admit.ts";
import { notFound, toStatus } from "../../api/errors.ts";
import { confirmNoEscalation, type EscalationResult, type RbacObject, rulesFor } from "../../api/rbac/escalation.ts";
import { type Decision, evaluate, type RequestAttributes, type UserInfo } from "../../api/rbac/evaluate.ts";
import { buildEdgeTable, type EdgeTable } from "../../ingress/edge-table.ts";
import type { PemPair } from "../../pki/certificates.ts";
import type { ControllerHost } from "../controllers/host.ts";
import { createControllerHost } from "../controllers/setup.ts";
import { edgeRouter } from "../edge/edge-router.ts";
import { DEFAULT_KEEPALIVE_SECONDS, nodeSessionName } from "../node-session/names.ts";
import { KFLARE_INGRESS_CLASS } from "./bootstrap.ts";
import { loadOrCreateClusterCa, signApiServingCert } from "./cluster-ca.ts";
import { parseCidr } from "./cluster-ip.ts";
import { EdgePublisher } from "./edge-publisher.ts";
import { isEventsView, toServed, toStored } from "./event-view.ts";
import { ingressDomain } from "./ingress-domain.ts";
import { LiveSessions } from "./live-sessions.ts";
import { keepNamespaceFinalizers } from "./namespace-finalizers.ts";
import { type Assignment, NodeAccess } from "./node-access.ts";
import { parsePortRange } from "./node-port.ts";
import { PodCidrAllocator } from "./pod-cidr.ts";
import { type IssuedToken, ServiceAccountTokens, type TokenIssue } from "./service-account-tokens.ts";
import { StoreCore } from "./store-core.ts";
import { storeStrategy } from "./store-strategy.ts";
import type {
  CredentialIdentity,
  DeleteCollectionOptions,
  DeleteOptions,
  DeleteResult,
  ListOptions,
  ListResult,
  ResourceRef,
  StoreResult,
  StoreRpc,
  WatchOptions,
  WriteOptions,
} from "./types.ts";
import { renderWatchObject } from "./watch-render.ts";
import { WriteGroup } from "./write-group.ts";

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export class ClusterStore extends DurableObject<Env> implements StoreRpc {
  private core: StoreCore | undefined;
  private host: ControllerHost | undefined;
  private nodes: NodeAccess | undefined;
  private podCidrs: PodCidrAllocator | undefined;
  private tokens: ServiceAccountTokens | undefined;
  private ca: PemPair | undefined;
  /** The API's writes, committed in groups (write-group.ts). */
  private readonly writes = new WriteGroup(
    () => {
      if (!this.core) throw new Error("the store was destroyed");
      return this.core;
    },
    () => this.ctx.storage.sync(),
  );
  /** Nodes with a poke in flight; true when they changed again since it was sent. */
  private readonly poking = new Map<string, boolean>();
  /** Nodes whose session has a connected agent: the only ones worth a poke. */
  private readonly sessions = new LiveSessions(
    3 * seconds(this.env.NODE_KEEPALIVE_SECONDS, DEFAULT_KEEPALIVE_SECONDS) * 1000,
  );

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(() => this.init());
  }

  private async init(): Promise<void> {
    configureAdmission(this.env as unknown as Record<string, string | undefined>);
    const db = drizzle(this.ctx.storage, { logger: false });
    await migrate(db, migrations);
    const core = new StoreCore(this.ctx.storage, db, {
      historyMs: seconds(this.env.WATCH_HISTORY_SECONDS, 300) * 1000,
      bookmarkIntervalMs: seconds(this.env.BOOKMARK_INTERVAL_SECONDS, 60) * 1000,
      serviceCidr: parseCidr(this.env.SERVICE_CIDR ?? "10.43.0.0/16"),
      nodePortRange: parsePortRange(this.env.SERVICE_NODE_PORT_RANGE ?? "30000-32767"),
      strategy: storeStrategy,
      render: renderWatchObject,
    });
    core.bootstrap();
    core.ensureDefaults();
    const ca = await loadOrCreateClusterCa(db, this.clusterName());
    core.publishRootCa(ca.certPem);
    const host = createControllerHost(
      core,
      db,
      this.env,
      (at) => {
        this.ctx.storage.setAlarm(at).catch((err: unknown) => console.error("setAlarm failed", err));
      },
      ca.certPem,
    );
    core.onCommit = (committed) => host.committed(committed);
    const clusterCidr = this.env.CLUSTER_CIDR ?? "10.42.0.0/16";
    const nodes = new NodeAccess(core, db, clusterCidr);
    const podCidrs = new PodCidrAllocator(db, clusterCidr);
    core.onDeleted = (resource, obj) => {
      // A deleted Node takes its credentials and its pod range with it, in the deletion's
      // transaction. A live session hears of it from a poke: the assignment it then asks for is
      // refused, and it closes the agent's link (the agent then says to join again).
      if (resource !== "nodes") return;
      const name = obj.metadata.name ?? "";
      nodes.revoke(name);
      podCidrs.release(name);
      const live = this.sessions.isLive(name, Date.now());
      this.sessions.forget(name);
      if (live) this.poke(name);
    };
    core.onNodesChanged = (changed) => this.pokeNodes(changed);
    core.onNetworkChanged = () => {
      nodes.network.invalidate();
      this.pokeNodes(this.sessions.live(Date.now()));
    };
    const edge = new EdgePublisher(
      () => this.buildEdgeTable(core),
      (table) => edgeRouter(this.env).update(table),
      (p) => this.ctx.waitUntil(p),
    );
    core.onEdgeChanged = () => edge.changed();
    this.core = core;
    this.host = host;
    this.nodes = nodes;
    this.podCidrs = podCidrs;
    this.tokens = new ServiceAccountTokens(core, db);
    this.ca = ca;
    // Work left from before a restart (changes after the cursor, due timers) resumes now.
    host.start();
  }

  override async alarm(): Promise<void> {
    try {
      await this.ready();
      this.host?.alarm();
    } catch (err) {
      // Never throw from an alarm: Cloudflare gives up on alarms that keep failing.
      console.error("alarm failed", err);
      await this.ctx.storage.setAlarm(Date.now() + 5000);
    }
  }

  /** Deletes every object of the cluster (its cluster was deleted); a later use starts afresh. */
  async destroy(): Promise<void> {
    this.core?.hub.closeAll();
    this.host?.stop();
    this.core = undefined;
    this.host = undefined;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  private async ready(): Promise<StoreCore> {
    if (!this.core) await this.ctx.blockConcurrencyWhile(() => (this.core ? Promise.resolve() : this.init()));
    return this.core!;
  }

  private async run<T>(
    ref: ResourceRef,
    fn: (rt: ResourceType, core: StoreCore) => T | Promise<T>,
  ): Promise<StoreResult<T>> {
    const core = await this.ready();
    try {
      const rt = resourceFor(ref.group, ref.version, ref.plural);
      if (!rt) throw notFound(ref.plural, "", ref.group);
      return { ok: true, value: await fn(rt, core) };
    } catch (err) {
      return { ok: false, status: toStatus(err) };
    }
  }

  /** A write, run with the next group commit (write-group.ts); answered as `run` answers. */
  private write<T>(ref: ResourceRef, fn: (rt: ResourceType, core: StoreCore) => T): Promise<StoreResult<T>> {
    return this.run(ref, (rt, core) => this.writes.submit(() => fn(rt, core)));
  }

  async get(ref: ResourceRef, namespace: string, name: string): Promise<StoreResult<KubeObject>> {
    return this.run(ref, (rt, core) => toServed(rt, core.get(rt, namespace, name)));
  }

  async list(ref: ResourceRef, opts: ListOptions): Promise<StoreResult<ListResult>> {
    return this.run(ref, (rt, core) => {
      const list = core.list(rt, opts);
      return { ...list, items: list.items.map((o) => toServed(rt, o)) };
    });
  }

  async create(ref: ResourceRef, obj: KubeObject, opts: WriteOptions = {}): Promise<StoreResult<KubeObject>> {
    return this.write(ref, (rt, core) => toServed(rt, core.create(rt, toStored(rt, obj), opts)));
  }

  async createJson(ref: ResourceRef, json: string, opts: WriteOptions = {}): Promise<StoreResult<string>> {
    return this.write(ref, (rt, core) =>
      // The events.k8s.io view is converted both ways, so it takes the object path.
      isEventsView(rt)
        ? JSON.stringify(toServed(rt, core.create(rt, toStored(rt, JSON.parse(json) as KubeObject), opts)))
        : core.createJson(rt, json, opts),
    );
  }

  async update(ref: ResourceRef, obj: KubeObject, opts: WriteOptions = {}): Promise<StoreResult<KubeObject>> {
    return this.write(ref, (rt, core) =>
      toServed(rt, core.update(rt, keepNamespaceFinalizers(rt, core, toStored(rt, obj)), opts)),
    );
  }

  async bind(
    ref: ResourceRef,
    namespace: string,
    name: string,
    nodeName: string,
    opts: WriteOptions & { uid?: string } = {},
  ): Promise<StoreResult<KubeObject>> {
    return this.write(ref, (rt, core) => core.bind(rt, namespace, name, nodeName, opts));
  }

  async delete(
    ref: ResourceRef,
    namespace: string,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<StoreResult<DeleteResult>> {
    return this.write(ref, (rt, core) => {
      const result = core.delete(rt, namespace, name, opts);
      return { ...result, object: toServed(rt, result.object) };
    });
  }

  async deleteCollection(ref: ResourceRef, opts: DeleteCollectionOptions): Promise<StoreResult<KubeObject[]>> {
    return this.write(ref, (rt, core) => core.deleteCollection(rt, opts).map((o) => toServed(rt, o)));
  }

  async watch(ref: ResourceRef, opts: WatchOptions): Promise<StoreResult<ReadableStream<Uint8Array>>> {
    return this.run(ref, (rt, core) => core.watch(rt, opts));
  }

  /** The cluster this store serves (its Durable Object is named `cluster:<name>`). */
  private clusterName(): string {
    return (this.ctx.id.name ?? "cluster:default").replace(/^cluster:/, "");
  }

  /**
   * Tells the nodes' Durable Objects their assignment changed; they fetch it when their agent is
   * connected. One poke per node is in flight at a time: a poke answers after the session has read
   * the assignment, so changes committed meanwhile need one more poke, not one each (a burst of pod
   * writes to one node was one RPC, and one assignment read, per write).
   */
  private pokeNodes(nodes: Iterable<string>): void {
    for (const node of this.sessions.live(Date.now(), nodes)) {
      if (this.poking.has(node)) this.poking.set(node, true);
      else this.poke(node);
    }
  }

  /** A session called in; one not heard from lately (the store restarted, say) gets a poke to catch up. */
  private heardFrom(node: string): void {
    if (this.sessions.heard(node, Date.now()) && !this.poking.has(node)) this.poke(node);
  }

  private poke(node: string): void {
    this.poking.set(node, false);
    const ns = this.env.NODE_SESSION;
    const cluster = this.clusterName();
    const stub = ns.get(ns.idFromName(nodeSessionName(cluster, node)));
    const sent = stub
      .poke(cluster, node)
      .catch((err: unknown) => console.error(`poke ${node}`, err))
      .finally(() => {
        const changedSince = this.poking.get(node);
        this.poking.delete(node);
        if (changedSince) this.poke(node);
      });
    this.ctx.waitUntil(sent);
  }

  private async node<T>(fn: (nodes: NodeAccess, core: StoreCore) => T | Promise<T>): Promise<StoreResult<T>> {
    const core = await this.ready();
    try {
      return { ok: true, value: await fn(this.nodes!, core) };
    } catch (err) {
      return { ok: false, status: toStatus(err) };
    }
  }

  /**
   * A node's write (its reports, its lease), committed with the next group as the API's writes
   * are: with many nodes reporting, their status updates share commits instead of paying one each.
   */
  private nodeWrite<T>(node: string, fn: (nodes: NodeAccess, core: StoreCore) => T): Promise<StoreResult<T>> {
    return this.node((nodes, core) =>
      this.writes.submit(() => {
        nodes.confirmJoined(node);
        return fn(nodes, core);
      }),
    );
  }

  /** Who a credential's hash belongs to in this cluster: a node, or a live service-account token for `audience`. */
  async credentialIdentity(hash: string, audience: string): Promise<CredentialIdentity | undefined> {
    await this.ready();
    const node = this.nodes!.nodeFor(hash);
    if (node) return { node };
    const serviceAccount = this.tokens!.identify(hash, audience, Date.now());
    return serviceAccount ? { serviceAccount } : undefined;
  }

  /** TokenRequest: records a service-account token's hash once the request passes upstream's checks. */
  async issueServiceAccountToken(request: Omit<TokenIssue, "now">): Promise<StoreResult<IssuedToken>> {
    await this.ready();
    try {
      return { ok: true, value: this.tokens!.issue({ ...request, now: Date.now() }) };
    } catch (err) {
      return { ok: false, status: toStatus(err) };
    }
  }

  /** RBAC's decision for a user's request (service accounts' requests; admins and nodes have their own rules). */
  async authorize(user: UserInfo, attrs: RequestAttributes): Promise<Decision> {
    const core = await this.ready();
    return evaluate(user, attrs, core.rbacObjects());
  }

  /** Every RBAC rule that applies to the user in the namespace ("" for the cluster scope). */
  async rulesFor(user: UserInfo, namespace: string): Promise<PolicyRule[]> {
    const core = await this.ready();
    return rulesFor(user, namespace, core.rbacObjects());
  }

  /**
   * Whether a service account may write this RBAC object without granting more than it holds
   * (upstream's escalation check; the stored object, if any, makes it an update).
   */
  async confirmRbacWrite(user: UserInfo, object: KubeObject): Promise<EscalationResult> {
    const core = await this.ready();
    const rt = resourceFor("rbac.authorization.k8s.io", "v1", `${object.kind.toLowerCase()}s`);
    const old = rt
      ? core.log.get(storageResource(rt), object.metadata.namespace ?? "", object.metadata.name ?? "")?.value
      : undefined;
    return confirmNoEscalation(user, object as RbacObject, core.rbacObjects(), old ? { old: old as RbacObject } : {});
  }

  /** The cluster CA (PEM): what in-cluster clients trust for the API. */
  async clusterCa(): Promise<string> {
    await this.ready();
    return this.ca!.certPem;
  }

  /** A serving certificate for the `kubernetes` Service, for a node's own public key. */
  async nodeServingCert(node: string, publicKeyPem: string): Promise<StoreResult<{ certPem: string; caPem: string }>> {
    const core = await this.ready();
    try {
      const svc = core.log.get("services", "default", "kubernetes")?.value;
      const clusterIP = (svc?.spec as { clusterIP?: string } | undefined)?.clusterIP ?? "";
      const certPem = await signApiServingCert(this.ca!, node, publicKeyPem, clusterIP);
      return { ok: true, value: { certPem, caPem: this.ca!.certPem } };
    } catch (err) {
      return { ok: false, status: toStatus(err) };
    }
  }

  async joinNode(input: {
    tokenId: string;
    secretHash: string;
    nodeName: string;
    credentialHash: string;
  }): Promise<StoreResult<null>> {
    return this.node((nodes) => {
      nodes.join({ ...input, now: Date.now() });
      return null;
    });
  }

  async nodeAssignment(node: string): Promise<StoreResult<Assignment>> {
    this.sessions.heard(node, Date.now());
    return this.node((nodes) => nodes.assignment(node));
  }

  async nodeMayRead(node: string, ref: ResourceRef, namespace: string, name: string): Promise<boolean> {
    const rt = resourceFor(ref.group, ref.version, ref.plural);
    return !!rt && (await this.ready()) !== undefined && this.nodes!.mayRead(node, rt, namespace, name);
  }

  /** A frame from a node's agent, done with that node's rights only. */
  async nodeReport(node: string, frame: AgentFrame): Promise<StoreResult<null>> {
    this.heardFrom(node);
    // A frame's writes stand or fall together, as every write in a group does (write-group.ts).
    return this.nodeWrite(node, (nodes) => {
      switch (frame.type) {
        case "podStatus":
          nodes.updatePodStatus(node, frame.namespace, frame.name, frame.uid, frame.status);
          break;
        case "podDeleted":
          nodes.confirmPodDeletion(node, frame.namespace, frame.name, frame.uid);
          break;
        case "nodeStatus":
          nodes.reportNode(node, frame.labels, frame.status, frame.taints ?? [], () => this.podCidrs!.allocate(node));
          break;
        case "event":
          nodes.recordEvent(node, frame.event);
          break;
        case "hello":
          break;
      }
      return null;
    });
  }

  /** The node's Durable Object saw a keepalive within the renewal interval: the node is alive. */
  async renewNodeLease(node: string, durationSeconds: number): Promise<StoreResult<null>> {
    this.heardFrom(node);
    return this.nodeWrite(node, (nodes) => {
      nodes.renewLease(node, Date.now(), durationSeconds);
      return null;
    });
  }

  /** What the edge router needs to route this cluster's Ingress traffic (it pulls it after a restart). */
  async edgeTable(): Promise<StoreResult<EdgeTable>> {
    const core = await this.ready();
    try {
      return { ok: true, value: this.buildEdgeTable(core) };
    } catch (err) {
      return { ok: false, status: toStatus(err) };
    }
  }

  private buildEdgeTable(core: StoreCore): EdgeTable {
    const all = (group: string, plural: string) => core.list(resourceFor(group, "v1", plural)!, {}).items;
    return buildEdgeTable({
      cluster: this.clusterName(),
      revision: core.log.currentRevision(),
      ingresses: all("networking.k8s.io", "ingresses"),
      services: all("", "services"),
      endpointSlices: all("discovery.k8s.io", "endpointslices"),
      className: KFLARE_INGRESS_CLASS,
      domain: ingressDomain(this.env),
    });
  }

  /** The current cluster-wide revision (tests and the benchmark read it). */
  async revision(): Promise<number> {
    return (await this.ready()).log.currentRevision();
  }
}
