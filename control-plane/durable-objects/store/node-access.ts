// What a node may do, done by the store itself with a node's identity (upstream's Node authorizer
// and NodeRestriction admission): join with a bootstrap token, register and report its own Node,
// renew its own Lease, report the status of its own pods, confirm their deletion, record events
// about them, and read its own pods and exactly the ConfigMaps and Secrets they reference.

import { and, eq } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { KubeObject } from "../../../schemas/object.ts";
import { type ResourceType, resourceFor, storageResource } from "../../../schemas/registry.ts";
import { admitObject } from "../../api/admit.ts";
import { ApiError, forbidden } from "../../api/errors.ts";
import { jsonEqual } from "../../api/json.ts";
import { fnv1a } from "./digest.ts";
import { type NetworkView, NodeNetwork } from "./node-network.ts";
import { assignedObject, assignedPod, podReferences } from "./node-references.ts";
import type { StoreCore } from "./store-core.ts";
import { credentials } from "./tables.ts";

/** What a node whose credential was revoked (its Node deleted) should do next. */
const REVOKED_NEXT_STEP = "its Node was deleted; run `k-agent reset`, then join again";

const rt = (group: string, plural: string): ResourceType => resourceFor(group, "v1", plural)!;
const PODS = rt("", "pods");
const NODES = rt("", "nodes");
const SECRETS = rt("", "secrets");
const CONFIGMAPS = rt("", "configmaps");
const LEASES = rt("coordination.k8s.io", "leases");
const EVENTS = rt("", "events");
const MANAGER = "k-agent";

/** The status of a Node's Ready condition ("" when it has none). */
export function readyStatus(node: KubeObject | undefined | null): string {
  const conditions =
    (node?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.find((c) => c.type === "Ready")?.status ?? "";
}

export interface Assignment {
  /** Status of the node's Ready condition in the cluster: the agent reports again when it is not True. */
  nodeReady: string;
  /** The node's podCIDR ("" until assigned): the agent's CNI config gives pods addresses from it. */
  podCIDR: string;
  resourceVersion: string;
  pods: KubeObject[];
  configMaps: KubeObject[];
  secrets: KubeObject[];
  /** Changes when what the node must run changes (not on status writes). */
  digest: string;
  /** The cluster's Services and EndpointSlices, with their own digest (sent as their own frame). */
  network: NetworkView;
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export class NodeAccess {
  private readonly core: StoreCore;
  private readonly db: DrizzleSqliteDODatabase;
  /** Services and EndpointSlices for every node, rebuilt after either changes. */
  readonly network: NodeNetwork;

  constructor(core: StoreCore, db: DrizzleSqliteDODatabase, clusterCIDR: string) {
    this.core = core;
    this.db = db;
    this.network = new NodeNetwork(core, clusterCIDR);
  }

  private find(r: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.core.log.get(storageResource(r), namespace, name)?.value;
  }

  /** The node a credential hash belongs to. */
  nodeFor(hash: string): string | undefined {
    return this.db.select({ node: credentials.node }).from(credentials).where(eq(credentials.hash, hash)).get()?.node;
  }

  /**
   * Refuses a node that holds no credential any more: its Node was deleted (which revokes it), so
   * a session it opened before must not write for it, nor bring its Node back.
   */
  confirmJoined(node: string): void {
    if (this.holdsCredential(node)) return;
    throw new ApiError(401, "Unauthorized", `node "${node}" holds no credential: ${REVOKED_NEXT_STEP}`);
  }

  private holdsCredential(node: string): boolean {
    return !!this.db.select({ hash: credentials.hash }).from(credentials).where(eq(credentials.node, node)).get();
  }

  /**
   * Exchanges a bootstrap token (its id, and the SHA-256 of its secret half) for a node credential
   * (stored as the SHA-256 of the token the Worker generated). Refusals say why, and write nothing.
   */
  join(input: { tokenId: string; secretHash: string; nodeName: string; credentialHash: string; now: number }): void {
    const secret = this.find(SECRETS, "kube-system", `bootstrap-token-${input.tokenId}`);
    const data = (secret?.data ?? {}) as Record<string, string>;
    const field = (k: string) => (data[k] ? atob(data[k]) : undefined);
    const refused = (why: string) => new ApiError(401, "Unauthorized", `join refused: ${why}`);
    if (secret?.type !== "bootstrap.kubernetes.io/token")
      throw refused("the join token is unknown or was revoked (kflare token create makes a new one)");
    if (!constantTimeEqual(field("token-secret-sha256") ?? "", input.secretHash))
      throw refused("the join token's secret is wrong");
    const expiration = field("expiration");
    if (expiration && Date.parse(expiration) <= input.now)
      throw refused(`the join token expired at ${expiration} (kflare token create makes a new one)`);
    if (field("usage-bootstrap-authentication") !== "true") throw refused("the token is not meant for joining nodes");
    if (this.holdsCredential(input.nodeName)) {
      throw new ApiError(
        409,
        "AlreadyExists",
        `a node named "${input.nodeName}" has already joined; pick another name with --node-name, or remove it first: kubectl delete node ${input.nodeName}`,
      );
    }
    this.db
      .insert(credentials)
      .values({ hash: input.credentialHash, kind: "node", node: input.nodeName, createdAt: input.now })
      .run();
  }

  /** Forgets a node's credentials (its Node was deleted, or `k-agent reset` ran). */
  revoke(node: string): void {
    this.db
      .delete(credentials)
      .where(and(eq(credentials.node, node), eq(credentials.kind, "node")))
      .run();
  }

  assignment(node: string): Assignment {
    this.confirmJoined(node);
    const pods = this.core.log.podsOnNode(node).map((p) => p.value);
    pods.sort((a, b) => ((a.metadata.uid ?? "") < (b.metadata.uid ?? "") ? -1 : 1));
    const refs = new Map<string, { configMaps: Set<string>; secrets: Set<string> }>();
    for (const p of pods) {
      const ns = p.metadata.namespace ?? "";
      refs.set(ns, podReferences(p, refs.get(ns)));
    }
    const configMaps: KubeObject[] = [];
    const secrets: KubeObject[] = [];
    for (const [ns, r] of [...refs.entries()].sort()) {
      for (const name of [...r.configMaps].sort()) {
        const cm = this.find(CONFIGMAPS, ns, name);
        if (cm) configMaps.push(assignedObject(cm));
      }
      for (const name of [...r.secrets].sort()) {
        const s = this.find(SECRETS, ns, name);
        if (s) secrets.push(assignedObject(s));
      }
    }
    const assigned = pods.map(assignedPod);
    const nodeObject = this.find(NODES, "", node);
    const nodeReady = readyStatus(nodeObject);
    const podCIDR = (nodeObject?.spec as { podCIDR?: string } | undefined)?.podCIDR ?? "";
    const digest = fnv1a(JSON.stringify([assigned, configMaps, secrets, nodeReady, podCIDR]));
    return {
      resourceVersion: String(this.core.log.currentRevision()),
      pods: assigned,
      configMaps,
      secrets,
      nodeReady,
      podCIDR,
      digest,
      network: this.network.current(),
    };
  }

  /** Whether the node may read this object (pods on it, what they reference, its own Node and Lease). */
  mayRead(node: string, r: ResourceType, namespace: string, name: string): boolean {
    if (
      r.plural === "nodes" ||
      r.plural === "services" ||
      r.plural === "runtimeclasses" ||
      r.plural === "endpointslices"
    )
      return true;
    if (r.plural === "leases") return namespace === "kube-node-lease" && name === node;
    if (r.plural === "pods")
      return (this.find(PODS, namespace, name)?.spec as { nodeName?: string } | undefined)?.nodeName === node;
    if (r.plural !== "configmaps" && r.plural !== "secrets") return false;
    for (const p of this.core.log.podsOnNode(node)) {
      if ((p.value.metadata.namespace ?? "") !== namespace) continue;
      const refs = podReferences(p.value);
      if ((r.plural === "configmaps" ? refs.configMaps : refs.secrets).has(name)) return true;
    }
    return false;
  }

  private ownPod(node: string, namespace: string, name: string, uid: string): KubeObject {
    const pod = this.find(PODS, namespace, name);
    if (!pod || pod.metadata.uid !== uid)
      throw new ApiError(404, "NotFound", `pods "${name}" not found`, { name, kind: "pods" });
    if ((pod.spec as { nodeName?: string }).nodeName !== node) {
      throw forbidden(`node "${node}" can only update pods bound to it; pod ${namespace}/${name} is not`);
    }
    return pod;
  }

  updatePodStatus(node: string, namespace: string, name: string, uid: string, status: Record<string, unknown>): void {
    const pod = this.ownPod(node, namespace, name, uid);
    if (jsonEqual(pod.status, status)) return;
    this.core.update(PODS, { ...pod, status }, { subresource: "status", manager: MANAGER });
  }

  /** The node has stopped the pod's containers: its graceful deletion completes (grace 0). */
  confirmPodDeletion(node: string, namespace: string, name: string, uid: string): void {
    this.ownPod(node, namespace, name, uid);
    this.core.delete(PODS, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
  }

  /** Registers the node on its first report, then keeps its status and labels current. */
  reportNode(
    node: string,
    labels: Record<string, string>,
    status: Record<string, unknown>,
    taints: readonly { key: string; value?: string; effect: string }[],
    podCidr: () => string,
  ): void {
    const existing = this.find(NODES, "", node);
    if (!existing) {
      const cidr = podCidr();
      const spec = { podCIDR: cidr, podCIDRs: [cidr], ...(taints.length ? { taints: [...taints] } : {}) };
      const obj: KubeObject = {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: node, labels },
        spec,
        status,
      };
      admitObject(NODES, obj, true);
      this.core.create(NODES, obj, { manager: MANAGER });
      return;
    }
    const merged = { ...(existing.metadata.labels ?? {}), ...labels };
    if (!jsonEqual(merged, existing.metadata.labels ?? {})) {
      this.core.update(
        NODES,
        { ...existing, metadata: { ...existing.metadata, labels: merged } },
        { manager: MANAGER },
      );
    }
    const fresh = this.find(NODES, "", node)!;
    if (!jsonEqual(fresh.status, status))
      this.core.update(NODES, { ...fresh, status }, { subresource: "status", manager: MANAGER });
  }

  renewLease(node: string, now: number, durationSeconds: number): void {
    const lease = this.find(LEASES, "kube-node-lease", node);
    const spec = { holderIdentity: node, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) };
    if (lease) {
      this.core.update(LEASES, { ...lease, spec: { ...(lease.spec as object), ...spec } }, { manager: MANAGER });
      return;
    }
    const owner = this.find(NODES, "", node);
    const obj: KubeObject = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: node,
        namespace: "kube-node-lease",
        ...(owner
          ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node, uid: owner.metadata.uid ?? "" }] }
          : {}),
      },
      spec,
    };
    admitObject(LEASES, obj, true);
    this.core.create(LEASES, obj, { manager: MANAGER });
  }

  /** An event about one of the node's pods, or the node itself. */
  recordEvent(node: string, event: KubeObject): void {
    const involved = (event.involvedObject ?? {}) as { kind?: string; name?: string; namespace?: string; uid?: string };
    const ok =
      (involved.kind === "Node" && involved.name === node) ||
      (involved.kind === "Pod" &&
        (this.find(PODS, involved.namespace ?? "", involved.name ?? "")?.spec as { nodeName?: string } | undefined)
          ?.nodeName === node);
    if (!ok) throw forbidden(`node "${node}" may only record events about itself and its pods`);
    const obj = structuredClone(event);
    obj.metadata.namespace = involved.kind === "Node" ? "default" : involved.namespace;
    admitObject(EVENTS, obj, true);
    this.core.create(EVENTS, obj, { manager: MANAGER });
  }
}
