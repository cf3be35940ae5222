// The legacy Endpoints controller as a pure plan (kube-controller-manager's endpoint controller with
// the I/O taken out): one Endpoints object per selecting Service, named as the Service, its ready
// and not-ready addresses grouped into subsets by the ports they serve, sorted so an unchanged set
// of pods never rewrites it. Old clients and tools read it; kflare's own proxy and DNS read slices.

import type { EndpointAddress, EndpointSubset, Endpoints } from "../../../schemas/core/endpoints.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { cloneJson, jsonEqual } from "../pod-utils.ts";
import { type Action, ENDPOINTS } from "../types.ts";
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

/** Upstream's cap on one Endpoints object; beyond it the object is truncated and says so. */
export const MAX_ENDPOINT_ADDRESSES = 1000;
export const OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity";

type EndpointsObject = KubeObject & Omit<Endpoints, "apiVersion" | "kind" | "metadata">;

export interface EndpointsPlanInput {
  /** The Service, or undefined when it is gone (its Endpoints object goes too). */
  service: ServiceObject | undefined;
  /** Pods of the Service's namespace (the plan applies the selector). */
  pods: readonly KubeObject[];
  /** The Endpoints object named as the Service, if any. */
  current: KubeObject | undefined;
}

function byIp(a: EndpointAddress, b: EndpointAddress): number {
  return (a.ip ?? "").localeCompare(b.ip ?? "") || (a.targetRef?.uid ?? "").localeCompare(b.targetRef?.uid ?? "");
}

function portKey(p: ResolvedPort): string {
  return `${p.name}/${p.port}/${p.protocol}/${p.appProtocol ?? ""}`;
}

/** The subsets for these pods: addresses grouped by port set, everything sorted (upstream's RepackSubsets). */
export function desiredSubsets(svc: ServiceObject, pods: readonly KubeObject[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: ResolvedPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of selectedPods(svc, pods)) {
    if (!podBelongs(pod, publishNotReady)) continue;
    const address: EndpointAddress = { ip: podIP(pod) };
    const hostname = publishedHostname(pod, svc);
    if (hostname) address.hostname = hostname;
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
    address.targetRef = targetRefOf(pod);
    const ports = resolvedPorts(svc, pod).sort((a, b) => portKey(a).localeCompare(portKey(b)));
    // A Service with ports that this pod serves none of gets nothing from it (headless ones without ports do).
    if (ports.length === 0 && (svc.spec?.ports ?? []).length > 0) continue;
    const key = ports.map(portKey).join(",");
    let group = groups.get(key);
    if (!group) {
      group = { ports, ready: [], notReady: [] };
      groups.set(key, group);
    }
    (publishNotReady || podReady(pod) ? group.ready : group.notReady).push(address);
  }
  return [...groups.keys()].sort().map((key) => {
    const g = groups.get(key)!;
    const subset: EndpointSubset = {};
    if (g.ready.length > 0) subset.addresses = g.ready.sort(byIp);
    if (g.notReady.length > 0) subset.notReadyAddresses = g.notReady.sort(byIp);
    if (g.ports.length > 0) subset.ports = g.ports.map((p) => ({ ...p }));
    return subset;
  });
}

/** Keeps the first MAX_ENDPOINT_ADDRESSES addresses, ready ones first; true when it cut any. */
function truncate(subsets: EndpointSubset[]): boolean {
  let left = MAX_ENDPOINT_ADDRESSES;
  let cut = false;
  for (const list of ["addresses", "notReadyAddresses"] as const) {
    for (const s of subsets) {
      const addrs = s[list];
      if (!addrs) continue;
      if (addrs.length > left) {
        s[list] = addrs.slice(0, left);
        cut = true;
      }
      left -= s[list]?.length ?? 0;
      if (s[list]?.length === 0) delete s[list];
    }
  }
  return cut;
}

export function planEndpoints(input: EndpointsPlanInput): Action[] {
  const svc = input.service;
  const current = input.current as EndpointsObject | undefined;
  if (!svc) {
    if (!current) return [];
    return [
      {
        type: "delete",
        resource: ENDPOINTS,
        namespace: current.metadata.namespace ?? "",
        name: current.metadata.name ?? "",
        uid: current.metadata.uid,
      },
    ];
  }
  if (!managedSelector(svc)) return [];
  const subsets = desiredSubsets(svc, input.pods).filter((s) => s.addresses || s.notReadyAddresses);
  const overCapacity = truncate(subsets);
  const labels = labelsFromService(svc, {});
  const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
  if (overCapacity) annotations[OVER_CAPACITY_ANNOTATION] = "truncated";
  else delete annotations[OVER_CAPACITY_ANNOTATION];
  if (!current) {
    const created: EndpointsObject = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace, labels },
    };
    if (Object.keys(annotations).length > 0) created.metadata.annotations = annotations;
    if (subsets.length > 0) created.subsets = subsets;
    return [{ type: "create", resource: ENDPOINTS, object: created }];
  }
  if (
    jsonEqual(current.subsets ?? [], subsets) &&
    jsonEqual(current.metadata.labels ?? {}, labels) &&
    jsonEqual(current.metadata.annotations ?? {}, annotations)
  ) {
    return [];
  }
  const next = cloneJson(current);
  if (subsets.length > 0) next.subsets = subsets;
  else delete next.subsets;
  next.metadata.labels = labels;
  if (Object.keys(annotations).length > 0) next.metadata.annotations = annotations;
  else delete next.metadata.annotations;
  return [{ type: "update", resource: ENDPOINTS, object: next }];
}
