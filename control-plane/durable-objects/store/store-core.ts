// The store's logic, independent of the Durable Object around it: reads at a revision, writes
// committed in one SQLite transaction and fanned out to watchers in the same turn.

import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { KubeObject } from "../../../schemas/object.ts";
import type { ClusterRoleBinding, RoleBinding } from "../../../schemas/rbac/binding.ts";
import type { ClusterRole, Role } from "../../../schemas/rbac/role.ts";
import { type ResourceType, resourceFor, storageResource } from "../../../schemas/registry.ts";
import { ApiError, alreadyExists, badRequest, conflict, expired, forbidden, invalid } from "../../api/errors.ts";
import { cloneJson } from "../../api/json.ts";
import { bootstrapRbacObjects } from "../../api/rbac/bootstrap.ts";
import type { RbacObjects } from "../../api/rbac/types.ts";
import { exactName, type FieldSelector, parseFieldSelector } from "../../api/selectors/fields.ts";
import { type LabelSelector, parseLabelSelector } from "../../api/selectors/labels.ts";
import { admitServiceAccount } from "../../api/strategies/service-account-admission.ts";
import { rfc3339 } from "../../api/time.ts";
import { ROOT_CA_CONFIGMAP, rootCaConfigMap } from "../../controllers/root-ca/plan.ts";
import {
  DEFAULT_CLASS_ANNOTATION,
  defaultServiceAccount,
  IMMORTAL_NAMESPACES,
  KFLARE_INGRESS_CLASS,
  kflareIngressClass,
  kubeDnsService,
  kubernetesService,
  namespaceObject,
  SYSTEM_NAMESPACES,
  wasmRuntimeClass,
} from "./bootstrap.ts";
import { type Cidr, ClusterIpAllocator, dnsAddress, firstAddress } from "./cluster-ip.ts";
import { decodeContinue, encodeContinue } from "./continue-token.ts";
import { edgeChanged } from "./edge-publisher.ts";
import { storedFields } from "./event-view.ts";
import { ListMemo } from "./list-memo.ts";
import { affectedNodes } from "./node-changes.ts";
import { networkChanged } from "./node-network.ts";
import { NodePortAllocator, type PortRange } from "./node-port.ts";
import {
  assertAbsent,
  generateSuffix,
  missing,
  namespaceTerminating,
  type PlannedWrite,
  planDelete,
  planUpdate,
  prepareNew,
  type StoreStrategy,
} from "./object-writes.ts";
import { type Change, KeyTaken, RevisionLog } from "./revision-log.ts";
import { assignClusterIp, carryClusterIp, recordClusterIp } from "./service-ips.ts";
import { assignNodePorts, carryNodePorts, recordNodePorts } from "./service-node-ports.ts";
import type {
  DeleteCollectionOptions,
  DeleteOptions,
  ListOptions,
  ListResult,
  WatchOptions,
  WriteOptions,
} from "./types.ts";
import { type EventRenderer, WatchHub } from "./watch-hub.ts";

export interface StoreConfig {
  historyMs: number;
  bookmarkIntervalMs: number;
  serviceCidr: Cidr;
  nodePortRange: PortRange;
  strategy: (rt: ResourceType) => StoreStrategy;
  render: EventRenderer;
}

interface Planned extends PlannedWrite {
  rt: ResourceType;
}

const READ_BATCH = 500;
const COMPACT_EVERY_MS = 10_000;

function isService(rt: ResourceType): boolean {
  return rt.plural === "services" && rt.group === "";
}

export class StoreCore {
  readonly log: RevisionLog;
  readonly hub: WatchHub;
  private readonly ips: ClusterIpAllocator;
  private readonly nodePorts: NodePortAllocator;
  private readonly storage: DurableObjectStorage;
  private readonly config: StoreConfig;
  private lastCompaction = 0;

  constructor(storage: DurableObjectStorage, db: DrizzleSqliteDODatabase, config: StoreConfig) {
    this.storage = storage;
    this.config = config;
    this.log = new RevisionLog(db, storage.sql);
    this.ips = new ClusterIpAllocator(db, config.serviceCidr);
    this.nodePorts = new NodePortAllocator(db, config.nodePortRange);
    this.hub = new WatchHub(config.render, config.bookmarkIntervalMs, () => this.log.currentRevision());
  }

  private rt(group: string, version: string, plural: string): ResourceType {
    const rt = resourceFor(group, version, plural);
    if (!rt) throw new Error(`unknown resource ${group}/${version}/${plural}`);
    return rt;
  }

  /** Creates what every cluster starts with; a no-op once anything was ever written. */
  bootstrap(): void {
    if (this.log.currentRevision() > 0) return;
    const ns = this.rt("", "v1", "namespaces");
    const svc = this.rt("", "v1", "services");
    const writes: Planned[] = [];
    for (const name of SYSTEM_NAMESPACES) writes.push(...this.planCreate(ns, namespaceObject(name), Date.now()));
    const ip = firstAddress(this.config.serviceCidr);
    writes.push({
      rt: svc,
      type: "ADDED",
      value: prepareNew(svc, this.config.strategy(svc), kubernetesService(ip), Date.now()),
      prev: null,
    });
    this.commit(writes);
  }

  /**
   * Objects every cluster should have, added to existing clusters too (a store made by an older
   * version): the `wasm` RuntimeClass.
   */
  /** The cluster CA (PEM), published as kube-root-ca.crt with each new namespace ("" until known). */
  private rootCaPem = "";

  /** Sets the cluster CA and publishes it in every namespace that lacks it (a cluster older than its CA). */
  publishRootCa(caPem: string): void {
    this.rootCaPem = caPem;
    const cm = this.rt("", "v1", "configmaps");
    const now = Date.now();
    const writes: Planned[] = [];
    for (const ns of this.list(this.rt("", "v1", "namespaces"), {}).items) {
      const name = ns.metadata.name ?? "";
      if (ns.metadata.deletionTimestamp || this.log.get("configmaps", name, ROOT_CA_CONFIGMAP)) continue;
      writes.push({
        rt: cm,
        type: "ADDED",
        value: prepareNew(cm, this.config.strategy(cm), rootCaConfigMap(name, caPem), now),
        prev: null,
      });
    }
    if (writes.length > 0) this.commit(writes);
  }

  ensureDefaults(): void {
    this.ensureKubeDns();
    this.ensureIngressClass();
    this.ensureRbacDefaults();
    const rc = this.rt("node.k8s.io", "v1", "runtimeclasses");
    if (this.log.get(storageResource(rc), "", "wasm")) return;
    this.commit([
      {
        rt: rc,
        type: "ADDED",
        value: prepareNew(rc, this.config.strategy(rc), wasmRuntimeClass(), Date.now()),
        prev: null,
      },
    ]);
  }

  /**
   * Upstream's DefaultIngressClass admission: a new Ingress that names no class gets the one
   * annotated as the default (kflare's own, unless an admin changed that).
   */
  private defaultIngressClass(ing: KubeObject): void {
    const spec = (ing.spec ?? {}) as { ingressClassName?: string };
    if (spec.ingressClassName) return;
    const classes = this.list(this.rt("networking.k8s.io", "v1", "ingressclasses"), {}).items;
    const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
    if (defaults.length !== 1) return;
    spec.ingressClassName = defaults[0]!.metadata.name;
    ing.spec = spec;
  }

  /**
   * The default ClusterRoles and bindings (cluster-admin, admin, edit, view, discovery), as
   * kube-apiserver's RBAC bootstrap writes them: each one that is missing is created, and one an
   * admin changed is left as it is.
   */
  private ensureRbacDefaults(): void {
    for (const obj of bootstrapRbacObjects()) {
      const rt = this.rt(
        "rbac.authorization.k8s.io",
        "v1",
        obj.kind === "ClusterRole" ? "clusterroles" : "clusterrolebindings",
      );
      if (this.log.get(storageResource(rt), "", obj.metadata.name ?? "")) continue;
      this.create(rt, obj, { manager: "kflare" });
    }
  }

  /** The RBAC objects authorization decides with (a cluster holds a few dozen). */
  rbacObjects(): RbacObjects {
    const all = (plural: string) => this.list(this.rt("rbac.authorization.k8s.io", "v1", plural), {}).items;
    return {
      roles: all("roles") as unknown as Role[],
      clusterRoles: all("clusterroles") as unknown as ClusterRole[],
      roleBindings: all("rolebindings") as unknown as RoleBinding[],
      clusterRoleBindings: all("clusterrolebindings") as unknown as ClusterRoleBinding[],
    };
  }

  /** The `kflare` IngressClass, the default, served at the edge by the Worker. */
  private ensureIngressClass(): void {
    const ic = this.rt("networking.k8s.io", "v1", "ingressclasses");
    if (this.log.get(storageResource(ic), "", KFLARE_INGRESS_CLASS)) return;
    this.create(ic, kflareIngressClass(), { manager: "kflare" });
  }

  /** kube-system/kube-dns on its well-known address, unless someone already holds that address. */
  private ensureKubeDns(): void {
    const svc = this.rt("", "v1", "services");
    if (this.log.get(storageResource(svc), "kube-system", "kube-dns")) return;
    const ip = dnsAddress(this.config.serviceCidr);
    if (this.ips.check(ip)) return;
    this.create(svc, kubeDnsService(ip), { manager: "kflare" });
  }

  get(rt: ResourceType, namespace: string, name: string): KubeObject {
    const found = this.log.get(storageResource(rt), rt.namespaced ? namespace : "", name);
    if (!found) throw missing(rt, name);
    return found.value;
  }

  private snapshotRevision(opts: ListOptions): number {
    const current = this.log.currentRevision();
    const rv = opts.resourceVersion;
    if (rv === undefined || rv === "" || rv === "0") return current;
    const n = Number(rv);
    if (!Number.isSafeInteger(n) || n < 0)
      throw badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
    if (n > current) {
      throw new ApiError(504, "Timeout", `Too large resource version: ${n}, current: ${current}`, {
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
        retryAfterSeconds: 1,
      });
    }
    if (opts.resourceVersionMatch === "Exact") {
      if (n < this.log.compactedRevision())
        throw expired(`too old resource version: ${n} (${this.log.compactedRevision() + 1})`);
      return n;
    }
    return current;
  }

  private readonly listMemo = new ListMemo();

  /**
   * Every object of `rt` in `namespace` (all namespaces when undefined), as of now, from memory
   * when that resource was not written since the last read (list-memo.ts). For controllers' key
   * mapping; callers must not modify what they get.
   */
  listForKeys(rt: ResourceType, namespace?: string): readonly KubeObject[] {
    const ns = rt.namespaced ? namespace : undefined;
    return this.listMemo.get(storageResource(rt), ns ?? "*", () => this.list(rt, { namespace: ns }).items);
  }

  /**
   * One object of a resource every create reads and few writes change (a pod's namespace and
   * service account), from the same memory as listForKeys: two SQLite reads and parses per pod
   * create otherwise. Callers must not modify what they get.
   */
  private memoGet(resource: string, namespace: string, name: string): KubeObject | undefined {
    // A key with a slash never collides with a list's (a namespace name, or "*").
    const found = this.listMemo.get(resource, `${namespace}/${name}`, () => {
      const stored = this.log.get(resource, namespace, name);
      return stored ? [stored.value] : [];
    });
    return found[0];
  }

  list(rt: ResourceType, opts: ListOptions): ListResult {
    const resource = storageResource(rt);
    const namespace = rt.namespaced ? opts.namespace : undefined;
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = storedFields(rt, parseFieldSelector(opts.fieldSelector, rt));
    let at: number;
    let after: { namespace: string; name: string } | undefined;
    if (opts.continue) {
      const token = decodeContinue(opts.continue);
      if (token.rv < this.log.compactedRevision()) {
        throw expired(
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
        );
      }
      at = token.rv;
      after = { namespace: token.namespace, name: token.name };
    } else at = this.snapshotRevision(opts);

    const limit = opts.limit && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
    const items: KubeObject[] = [];
    const name = exactName(fields);
    const matches = (o: KubeObject) => this.hub.matches({ namespace, labels, fields }, o);
    if (name !== undefined && (namespace !== undefined || !rt.namespaced) && at === this.log.currentRevision()) {
      const found = this.log.get(resource, namespace ?? "", name);
      if (found && matches(found.value)) items.push(found.value);
      return { items, metadata: { resourceVersion: String(at) } };
    }
    let more = false;
    for (;;) {
      const page = this.log.readPage(resource, namespace, at, after, READ_BATCH);
      for (const row of page) {
        const o = row.value;
        after = { namespace: o.metadata.namespace ?? "", name: o.metadata.name ?? "" };
        if (!matches(o)) continue;
        if (items.length >= limit) {
          more = true;
          break;
        }
        items.push(o);
      }
      if (more || page.length < READ_BATCH) break;
    }
    const metadata: ListResult["metadata"] = { resourceVersion: String(at) };
    if (more) {
      const last = items[items.length - 1]!.metadata;
      metadata.continue = encodeContinue({ rv: at, namespace: last.namespace ?? "", name: last.name ?? "" });
    }
    return { items, metadata };
  }

  create(rt: ResourceType, obj: KubeObject, opts: WriteOptions): KubeObject {
    const planned = this.planCreate(rt, obj, Date.now(), opts);
    if (opts.dryRun) return planned[0]!.value;
    this.commit(planned);
    return planned[0]!.value;
  }

  /**
   * A create from its JSON, answered with the created object's JSON: the text is parsed here into
   * an object nothing else holds (so it is not copied again), and the answer is the very text
   * stored. Over RPC a string crosses for a fraction of what cloning an object costs both ways,
   * and the Worker sends the answer on without parsing and serialising it once more.
   */
  createJson(rt: ResourceType, json: string, opts: WriteOptions): string {
    const planned = this.planCreate(rt, JSON.parse(json) as KubeObject, Date.now(), opts, true);
    const value = planned[0]!.value;
    if (opts.dryRun) return JSON.stringify(value);
    return this.commit(planned)[0]!.text ?? JSON.stringify(value);
  }

  /** `owned`: `obj` is a fresh object no caller keeps, which the plan may use as the new object. */
  private planCreate(
    rt: ResourceType,
    obj: KubeObject,
    now: number,
    opts: WriteOptions = {},
    owned = false,
  ): Planned[] {
    const resource = storageResource(rt);
    const meta = obj.metadata;
    const namespace = rt.namespaced ? (meta.namespace ?? "") : "";
    if (rt.namespaced) this.checkNamespaceOpen(rt, namespace, meta.name ?? meta.generateName ?? "");
    let name = meta.name;
    if (!name) {
      if (!meta.generateName) {
        throw invalid(rt.kind, "", [
          {
            reason: "FieldValueRequired",
            field: "metadata.name",
            message: "Required value: name or generateName is required",
          },
        ]);
      }
      do name = `${meta.generateName}${generateSuffix()}`;
      while (this.log.get(resource, namespace, name));
    } else if (opts.dryRun || isService(rt)) {
      // Other creates learn that their key is taken from the insert (RevisionLog.append), which
      // spares a read per create. A dry run inserts nothing, and a Service's address and ports
      // would otherwise be refused as taken (by itself) before the name is.
      assertAbsent(rt, this.log.get(resource, namespace, name), name);
    }
    const value = prepareNew(
      rt,
      this.config.strategy(rt),
      { ...obj, metadata: { ...meta, name, namespace } },
      now,
      opts,
      owned,
    );
    const writes: Planned[] = [{ rt, type: "ADDED", value, prev: null }];
    if (isService(rt)) {
      assignClusterIp(this.ips, rt, value);
      assignNodePorts(this.nodePorts, rt, value, null);
    }
    if (rt.plural === "ingresses" && rt.group === "networking.k8s.io") this.defaultIngressClass(value);
    if (rt.plural === "pods" && rt.group === "") {
      const account = (value.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName || "default";
      admitServiceAccount(value, this.memoGet("serviceaccounts", value.metadata.namespace ?? "", account));
    }
    if (rt.plural === "namespaces" && rt.group === "") {
      const sa = this.rt("", "v1", "serviceaccounts");
      writes.push({
        rt: sa,
        type: "ADDED",
        value: prepareNew(sa, this.config.strategy(sa), defaultServiceAccount(name), now),
        prev: null,
      });
      if (this.rootCaPem) {
        const cm = this.rt("", "v1", "configmaps");
        writes.push({
          rt: cm,
          type: "ADDED",
          value: prepareNew(cm, this.config.strategy(cm), rootCaConfigMap(name, this.rootCaPem), now),
          prev: null,
        });
      }
    }
    return writes;
  }

  private checkNamespaceOpen(rt: ResourceType, namespace: string, name: string): void {
    const ns = this.memoGet("namespaces", "", namespace);
    if (!ns) throw missing(this.rt("", "v1", "namespaces"), namespace);
    if (ns.metadata.deletionTimestamp) throw namespaceTerminating(rt, name, namespace);
  }

  update(rt: ResourceType, obj: KubeObject, opts: WriteOptions): KubeObject {
    const resource = storageResource(rt);
    const namespace = rt.namespaced ? (obj.metadata.namespace ?? "") : "";
    const name = obj.metadata.name ?? "";
    const existing = this.log.get(resource, namespace, name);
    if (!existing) throw missing(rt, name);
    const serviceSpec = isService(rt) && opts.subresource !== "status";
    if (serviceSpec) {
      carryClusterIp(this.ips, rt, obj, existing.value);
      carryNodePorts(obj, existing.value);
    }
    const write = planUpdate(rt, this.config.strategy(rt), existing.value, obj, opts, Date.now());
    if (!write) return existing.value;
    if (serviceSpec && write.type === "MODIFIED") assignNodePorts(this.nodePorts, rt, write.value, existing.value);
    if (!opts.dryRun) this.commit([{ rt, ...write }]);
    return write.value;
  }

  /**
   * Binds a pod to a node (pods/binding): sets spec.nodeName once, with the PodScheduled condition,
   * as the scheduler's bind step does. A pod already bound is a conflict.
   */
  bind(
    rt: ResourceType,
    namespace: string,
    name: string,
    nodeName: string,
    opts: WriteOptions & { uid?: string },
  ): KubeObject {
    const existing = this.log.get(storageResource(rt), namespace, name);
    if (!existing) throw missing(rt, name);
    const pod = cloneJson(existing.value);
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (opts.uid && opts.uid !== pod.metadata.uid) throw conflict(rt.plural, name, rt.group);
    if (pod.metadata.deletionTimestamp) {
      throw new ApiError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is being deleted, cannot be assigned to a host`,
      );
    }
    if (spec.nodeName) {
      throw new ApiError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${spec.nodeName}"`,
      );
    }
    spec.nodeName = nodeName;
    pod.spec = spec;
    const status = (pod.status ?? {}) as {
      conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    };
    const conditions = (status.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    conditions.push({ type: "PodScheduled", status: "True", lastTransitionTime: rfc3339(Date.now()) });
    status.conditions = conditions;
    pod.status = status;
    if (!opts.dryRun) this.commit([{ rt, type: "MODIFIED", value: pod, prev: existing.value }]);
    return pod;
  }

  delete(
    rt: ResourceType,
    namespace: string,
    name: string,
    opts: DeleteOptions,
  ): { object: KubeObject; deleted: boolean } {
    const isNamespace = rt.plural === "namespaces" && rt.group === "";
    if (isNamespace && IMMORTAL_NAMESPACES.has(name)) {
      throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, {
        name,
        kind: "namespaces",
      });
    }
    const existing = this.log.get(storageResource(rt), rt.namespaced ? namespace : "", name);
    if (!existing) throw missing(rt, name);
    const write = planDelete(rt, existing.value, opts, Date.now());
    if (!write) return { object: existing.value, deleted: false };
    if (opts.dryRun) return { object: write.value, deleted: write.type === "DELETED" };
    this.commit([{ rt, ...write }]);
    return { object: write.value, deleted: write.type === "DELETED" };
  }

  deleteCollection(rt: ResourceType, opts: DeleteCollectionOptions): KubeObject[] {
    // Namespaces are deleted one by one, each emptied by the namespace controller, as upstream.
    if (rt.plural === "namespaces" && rt.group === "") {
      throw new ApiError(405, "MethodNotAllowed", "namespaces do not support deletecollection; delete each namespace");
    }
    const { items } = this.list(rt, {
      namespace: opts.namespace,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
    });
    const writes: Planned[] = [];
    const now = Date.now();
    for (const o of items) {
      const w = planDelete(rt, o, opts, now);
      if (w) writes.push({ rt, ...w });
    }
    if (!opts.dryRun) this.commit(writes);
    return writes.map((w) => w.value);
  }

  watch(rt: ResourceType, opts: WatchOptions): ReadableStream<Uint8Array> {
    const labels: LabelSelector = parseLabelSelector(opts.labelSelector);
    const fields: FieldSelector = storedFields(rt, parseFieldSelector(opts.fieldSelector, rt));
    const namespace = rt.namespaced ? opts.namespace : undefined;
    const resource = storageResource(rt);
    const timeout = opts.timeoutSeconds ?? 1800 + Math.floor(Math.random() * 1800);
    const { watcher, readable } = this.hub.open(
      {
        resource,
        resourceType: rt,
        namespace,
        labels,
        fields,
        format: opts.format,
        includeObject: opts.includeObject ?? "Metadata",
        bookmarks: opts.allowWatchBookmarks === true,
      },
      timeout,
    );
    const rv = opts.resourceVersion;
    if (opts.sendInitialEvents || rv === undefined || rv === "" || rv === "0") {
      const { items } = this.list(rt, {
        namespace,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
      });
      for (const o of items) this.hub.sendObject(watcher, "ADDED", o);
      if (opts.sendInitialEvents) this.hub.bookmark(watcher, { "k8s.io/initial-events-end": "true" });
      return readable;
    }
    const from = Number(rv);
    if (!Number.isSafeInteger(from) || from < 0) {
      this.hub.send(
        watcher,
        "ERROR",
        badRequest(`resourceVersion: Invalid value: "${rv}": must be a non-negative integer`).toStatus(),
      );
      this.hub.close(watcher);
      return readable;
    }
    if (from < this.log.compactedRevision()) {
      this.hub.send(
        watcher,
        "ERROR",
        expired(`too old resource version: ${from} (${this.log.compactedRevision() + 1})`).toStatus(),
      );
      this.hub.close(watcher);
      return readable;
    }
    for (const c of this.log.changesAfter(from, resource)) {
      const type = this.hub.eventFor(watcher, c);
      if (type) this.hub.sendObject(watcher, type, c.value);
    }
    return readable;
  }

  /** Called after every commit: the controller host's nudge. */
  onCommit: ((committed: readonly Change[]) => void) | undefined;
  /** Called after a commit with the nodes whose assignment (pods, what they reference) changed. */
  onNodesChanged: ((nodes: Set<string>) => void) | undefined;
  /** Called after a commit that changed what every node's proxy, DNS and routes follow (node-network.ts). */
  onNetworkChanged: (() => void) | undefined;
  /** Called after a commit that changed what the edge routes (Ingresses, Services, EndpointSlices). */
  onEdgeChanged: (() => void) | undefined;
  /** Called inside the transaction for each object that goes: what to release with it. */
  onDeleted: ((resource: string, obj: KubeObject) => void) | undefined;
  private batchDepth = 0;
  private batched: Change[] = [];

  /**
   * Runs `fn` as one SQLite transaction: every write inside commits together and watchers hear
   * of them once it is done (a controller's many writes cost one transaction). If `fn` throws,
   * nothing is written and nothing is published.
   */
  batch<T>(fn: () => T): T {
    if (this.batchDepth > 0) return fn();
    this.batchDepth++;
    let result: T;
    try {
      result = this.storage.transactionSync(fn);
    } catch (err) {
      this.batched = [];
      this.log.reload();
      this.listMemo.clear();
      throw err;
    } finally {
      this.batchDepth--;
    }
    const done = this.batched;
    this.batched = [];
    this.published(done);
    return result;
  }

  /**
   * Runs `fn` inside the current batch with a savepoint of its own: when it throws, what it wrote is
   * undone and forgotten, and the batch carries on (the writes of a WriteGroup fail one by one).
   */
  isolated<T>(fn: () => T): T {
    const mark = this.batched.length;
    try {
      return this.storage.transactionSync(fn);
    } catch (err) {
      this.batched.length = mark;
      this.log.reload();
      this.listMemo.clear();
      throw err;
    }
  }

  /** Appends planned writes in one transaction, then tells watchers. */
  private commit(writes: Planned[]): Change[] {
    if (writes.length === 0) return [];
    const now = Date.now();
    // The append goes first: when it refuses a write (a create's key taken, an object too large)
    // nothing of that write is left, even inside a batch whose caller carries on.
    const append = () =>
      writes.map((w) => {
        const resource = storageResource(w.rt);
        this.listMemo.invalidate(resource);
        let change: Change;
        try {
          change = this.log.append(w.type, resource, w.value, w.prev, now);
        } catch (err) {
          if (err instanceof KeyTaken) throw alreadyExists(w.rt.plural, w.value.metadata.name ?? "", w.rt.group);
          throw err;
        }
        if (isService(w.rt)) {
          recordClusterIp(this.ips, w.type, w.value, w.prev);
          recordNodePorts(this.nodePorts, w.type, w.value, w.prev);
        }
        if (w.type === "DELETED") this.onDeleted?.(resource, w.value);
        return change;
      });
    if (this.batchDepth > 0) {
      const committed = append();
      this.batched.push(...committed);
      return committed;
    }
    let committed: Change[];
    try {
      committed = this.storage.transactionSync(append);
    } catch (err) {
      this.log.reload();
      this.listMemo.clear();
      throw err;
    }
    this.published(committed);
    return committed;
  }

  private published(committed: Change[]): void {
    if (committed.length === 0) return;
    this.hub.publish(committed);
    if (this.onNodesChanged) {
      const nodes = affectedNodes(committed, (ns) => this.log.nodesWithPodsIn(ns));
      if (nodes.size > 0) this.onNodesChanged(nodes);
    }
    if (this.onNetworkChanged && networkChanged(committed)) this.onNetworkChanged();
    if (this.onEdgeChanged && edgeChanged(committed)) this.onEdgeChanged();
    const now = Date.now();
    if (now - this.lastCompaction > COMPACT_EVERY_MS) {
      this.lastCompaction = now;
      this.log.compact(now - this.config.historyMs);
    }
    this.onCommit?.(committed);
  }
}
