// What every node's service proxy and DNS need: all Services and EndpointSlices, trimmed to what
// they read, with a digest so a node's session sends them only when they changed. Built once per
// change of either kind and shared by every node's assignment read (a change pokes every node).

import type { KubeObject } from "../../../schemas/object.ts";
import { type ResourceType, resourceFor } from "../../../schemas/registry.ts";
import { fnv1a } from "./digest.ts";
import type { StoreCore } from "./store-core.ts";

const SERVICES: ResourceType = resourceFor("", "v1", "services")!;
const SLICES: ResourceType = resourceFor("discovery.k8s.io", "v1", "endpointslices")!;

export interface NetworkView {
  /** Every pod's range (the store's CLUSTER_CIDR): proxies masquerade service traffic from outside it. */
  clusterCIDR: string;
  services: KubeObject[];
  endpointSlices: KubeObject[];
  digest: string;
}

/** Resources whose changes reach every node. */
export const NETWORK_RESOURCES = new Set(["services", "endpointslices.discovery.k8s.io"]);

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
    const digest = fnv1a(JSON.stringify([this.clusterCIDR, services, endpointSlices]));
    this.view = { clusterCIDR: this.clusterCIDR, services, endpointSlices, digest };
    return this.view;
  }
}
