// The EndpointSlice controller as a pure plan (kube-controller-manager's endpointslice reconciler
// with the I/O taken out): a Service's selected pods become endpoints with ready/serving/terminating
// conditions, grouped by the ports they resolve to (a named targetPort can differ per pod), at most
// 100 per slice. An endpoint already in a slice stays there and new ones fill the slices with room
// before a new slice is made, so a scale-up or a pod turning ready rewrites one slice, not all. A
// Service with no endpoints keeps one empty placeholder slice, as upstream's does.

import type { EndpointSlice, SliceEndpoint } from "../../../schemas/discovery/endpointslice.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { cloneJson, jsonEqual, newControllerRef } from "../pod-utils.ts";
import { type Action, ENDPOINTSLICES } from "../types.ts";
import {
  labelsFromService,
  managedSelector,
  podBelongs,
  podIP,
  podReady,
  publishedHostname,
  type ResolvedPort,
  resolvedPorts,
  type ServiceObject,
  selectedPods,
  targetRefOf,
} from "./service-pods.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MANAGED_BY = "endpointslice-controller.k8s.io";
/** Upstream's --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

type SliceObject = KubeObject & Omit<EndpointSlice, "apiVersion" | "kind" | "metadata">;

export interface SlicePlanInput {
  /** The Service, or undefined when it is gone (its slices go with it, by ownerReference). */
  service: ServiceObject | undefined;
  /** Pods of the Service's namespace (the plan applies the selector). */
  pods: readonly KubeObject[];
  /** EndpointSlices labelled with the Service's name (the plan keeps to the ones it manages). */
  slices: readonly KubeObject[];
}

interface Desired {
  ports: ResolvedPort[];
  endpoints: Map<string, SliceEndpoint>;
}

function endpointKey(ep: SliceEndpoint): string {
  return ep.targetRef?.uid || (ep.addresses ?? []).join(",");
}

function portsKey(ports: readonly ResolvedPort[] | SliceObject["ports"]): string {
  return JSON.stringify(
    (ports ?? []).map((p) => [p.name ?? "", p.port ?? 0, p.protocol ?? "TCP", p.appProtocol ?? ""]),
  );
}

/** The endpoints the Service should have, grouped by the ports they serve. */
function desiredGroups(svc: ServiceObject, pods: readonly KubeObject[]): Map<string, Desired> {
  const groups = new Map<string, Desired>();
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of selectedPods(svc, pods)) {
    // Terminating endpoints are published (ready=false) so proxies can drain them gracefully.
    if (!podBelongs(pod, true)) continue;
    const ip = podIP(pod);
    if (ip.includes(":")) continue; // single-stack IPv4 clusters: an IPv6 address has no slice here
    const serving = podReady(pod);
    const terminating = pod.metadata.deletionTimestamp !== undefined;
    const endpoint: SliceEndpoint = {
      addresses: [ip],
      conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
    };
    const hostname = publishedHostname(pod, svc);
    if (hostname) endpoint.hostname = hostname;
    endpoint.targetRef = targetRefOf(pod);
    if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
    const ports = resolvedPorts(svc, pod);
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) {
      group = { ports, endpoints: new Map() };
      groups.set(key, group);
    }
    group.endpoints.set(endpointKey(endpoint), endpoint);
  }
  return groups;
}

function isManagedBy(slice: KubeObject, svc: ServiceObject): boolean {
  const labels = slice.metadata.labels ?? {};
  return labels[MANAGED_BY_LABEL] === MANAGED_BY && labels[SERVICE_NAME_LABEL] === svc.metadata.name;
}

function sliceLabels(svc: ServiceObject): Record<string, string> {
  return labelsFromService(svc, { [SERVICE_NAME_LABEL]: svc.metadata.name ?? "", [MANAGED_BY_LABEL]: MANAGED_BY });
}

function newSlice(svc: ServiceObject, ports: ResolvedPort[], endpoints: SliceEndpoint[]): SliceObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      generateName: `${(svc.metadata.name ?? "").slice(0, 57)}-`,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [newControllerRef(svc, "v1", "Service")],
    },
    addressType: "IPv4",
    endpoints,
    ports,
  };
}

function deleteAction(slice: KubeObject): Action {
  return {
    type: "delete",
    resource: ENDPOINTSLICES,
    namespace: slice.metadata.namespace ?? "",
    name: slice.metadata.name ?? "",
    uid: slice.metadata.uid,
  };
}

/** Writes a slice back when its endpoints or labels changed. */
function updateIfChanged(existing: SliceObject, endpoints: SliceEndpoint[], labels: Record<string, string>): Action[] {
  if (jsonEqual(existing.endpoints ?? [], endpoints) && jsonEqual(existing.metadata.labels ?? {}, labels)) return [];
  const next = cloneJson(existing);
  next.endpoints = endpoints;
  next.metadata.labels = labels;
  return [{ type: "update", resource: ENDPOINTSLICES, object: next }];
}

export function planEndpointSlices(input: SlicePlanInput): Action[] {
  const svc = input.service;
  if (!svc || !managedSelector(svc)) return [];
  const uid = svc.metadata.uid;
  const owned: SliceObject[] = [];
  const actions: Action[] = [];
  for (const slice of input.slices as SliceObject[]) {
    if (!isManagedBy(slice, svc)) continue;
    // A slice of an earlier Service of the same name: the garbage collector would take it too.
    if (!slice.metadata.ownerReferences?.some((r) => r.uid === uid)) actions.push(deleteAction(slice));
    else owned.push(slice);
  }
  owned.sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  const labels = sliceLabels(svc);
  const groups = desiredGroups(svc, input.pods);

  if (groups.size === 0) {
    // No endpoints: exactly one empty placeholder slice.
    const placeholder = owned.find((s) => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0);
    if (placeholder) actions.push(...updateIfChanged(placeholder, [], labels));
    else actions.push({ type: "create", resource: ENDPOINTSLICES, object: newSlice(svc, [], []) });
    for (const s of owned) if (s !== placeholder) actions.push(deleteAction(s));
    return actions;
  }

  const byPorts = new Map<string, SliceObject[]>();
  for (const s of owned) {
    const key = portsKey(s.ports);
    if (!groups.has(key)) {
      actions.push(deleteAction(s));
      continue;
    }
    byPorts.set(key, [...(byPorts.get(key) ?? []), s]);
  }
  for (const [key, group] of groups) {
    const pending = new Map(group.endpoints);
    const kept: { slice: SliceObject; endpoints: SliceEndpoint[] }[] = [];
    // Endpoints stay in the slice that has them, with their current conditions.
    for (const slice of byPorts.get(key) ?? []) {
      const endpoints: SliceEndpoint[] = [];
      for (const ep of slice.endpoints ?? []) {
        const k = endpointKey(ep);
        const want = pending.get(k);
        if (!want || endpoints.length >= MAX_ENDPOINTS_PER_SLICE) continue;
        endpoints.push(want);
        pending.delete(k);
      }
      kept.push({ slice, endpoints });
    }
    // New endpoints fill the slices with room, then new slices.
    const fresh = [...pending.values()];
    for (const k of kept) {
      while (fresh.length > 0 && k.endpoints.length < MAX_ENDPOINTS_PER_SLICE) k.endpoints.push(fresh.shift()!);
    }
    for (const k of kept) {
      if (k.endpoints.length === 0) actions.push(deleteAction(k.slice));
      else actions.push(...updateIfChanged(k.slice, k.endpoints, labels));
    }
    for (let i = 0; i < fresh.length; i += MAX_ENDPOINTS_PER_SLICE) {
      const chunk = fresh.slice(i, i + MAX_ENDPOINTS_PER_SLICE);
      actions.push({ type: "create", resource: ENDPOINTSLICES, object: newSlice(svc, group.ports, chunk) });
    }
  }
  return actions;
}
