// What every node's service proxy, DNS and pod routes need: all Services and EndpointSlices,
// trimmed to what they read, and each node's podCIDR and address (routes to other nodes' pods),
// with a digest so a node's session sends them only when they changed. Built once per change and
// shared by every node's assignment read (a change pokes every node). A Node write counts only
// when its podCIDR or address changed: heartbeats and conditions move nothing here.

import type { KubeObject } from "../../../schemas/object.ts";
import { type ResourceType, resourceFor } from "../../../schemas/registry.ts";
import { fnv1a } from "./digest.ts";
import type { Change } from "./revision-log.ts";
import type { StoreCore } from "./store-core.ts";

const SERVICES: ResourceType = resourceFor("", "v1", "services")!;
const SLICES: ResourceType = resourceFor("discovery.k8s.io", "v1", "endpointslices")!;
const NODES: ResourceType = resourceFor("", "v1", "nodes")!;

/** Where a node's pods are: its podCIDR, reached through its InternalIP. */
export interface NodeRoute {
  name: string;
  podCIDR: string;
  address: string;
}

export interface NetworkView {
  /** Every pod's range (the store's CLUSTER_CIDR): proxies masquerade service traffic from outside it. */
  clusterCIDR: string;
  services: KubeObject[];
  endpointSlices: KubeObject[];
  nodes: NodeRoute[];
  digest: string;
}

/** Resources whose changes reach every node. */
const NETWORK_RESOURCES = new Set(["services", "endpointslices.discovery.k8s.io"]);

export function nodeRoute(node: KubeObject | null | undefined): NodeRoute | undefined {
  if (!node) return undefined;
  const podCIDR = (node.spec as { podCIDR?: string } | undefined)?.podCIDR;
  const addresses = (node.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses;
  const address = addresses?.find((a) => a.type === "InternalIP")?.address;
  return podCIDR && address ? { name: node.metadata.name ?? "", podCIDR, address } : undefined;
}

/** Whether committed changes alter what every node is sent. */
export function networkChanged(changes: readonly Change[]): boolean {
  return changes.some((c) => {
    if (NETWORK_RESOURCES.has(c.resource)) return true;
    if (c.resource !== "nodes") return false;
    const before = c.type === "ADDED" ? undefined : nodeRoute(c.prev ?? c.value);
    const after = c.type === "DELETED" ? undefined : nodeRoute(c.value);
    return JSON.stringify(before) !== JSON.stringify(after);
  });
}

function trimmedMeta(obj: KubeObject): KubeObject["metadata"] {
  const { name, namespace, uid, labels, deletionTimestamp } = obj.metadata;
  return { name, namespace, uid, ...(labels ? { labels } : {}), ...(deletionTimestamp ? { deletionTimestamp } : {}) };
}

function byKey(a: KubeObject, b: KubeObject): number {
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export class NodeNetwork {
  private view: NetworkView | undefined;
  private readonly core: StoreCore;
  private readonly clusterCIDR: string;

  constructor(core: StoreCore, clusterCIDR: string) {
    this.core = core;
    this.clusterCIDR = clusterCIDR;
  }

  /** A Service or EndpointSlice was written: the next read rebuilds. */
  invalidate(): void {
    this.view = undefined;
  }

  current(): NetworkView {
    if (this.view) return this.view;
    const services = this.core
      .list(SERVICES, {})
      .items.map((s) => ({ apiVersion: "v1", kind: "Service", metadata: trimmedMeta(s), spec: s.spec }))
      .sort(byKey);
    const endpointSlices = this.core
      .list(SLICES, {})
      .items.map((s) => ({
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: trimmedMeta(s),
        addressType: s.addressType,
        endpoints: s.endpoints ?? [],
        ports: s.ports ?? [],
      }))
      .sort(byKey);
    const nodes = this.core
      .list(NODES, {})
      .items.map(nodeRoute)
      .filter((r): r is NodeRoute => r !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const digest = fnv1a(JSON.stringify([this.clusterCIDR, services, endpointSlices, nodes]));
    this.view = { clusterCIDR: this.clusterCIDR, services, endpointSlices, nodes, digest };
    return this.view;
  }
}
