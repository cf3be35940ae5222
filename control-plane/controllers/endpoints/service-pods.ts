// What both endpoint controllers read off a Service and its pods (upstream's endpointutil): which
// pods a Service selects, which of them belong in its endpoints, their readiness, the hostname a
// headless Service publishes, and each service port resolved against the pod (a named targetPort
// is looked up among the pod's container ports).

import type { ContainerPort } from "../../../schemas/core/container.ts";
import type { Service, ServicePort } from "../../../schemas/core/service.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { fromStructured, matchesLabels } from "../../api/selectors/labels.ts";
import { isPodReady, type PodObject } from "../pod-utils.ts";

export type ServiceObject = KubeObject & Pick<Service, "spec">;

/** The Service's selector, or undefined when this controller leaves its endpoints to the user. */
export function managedSelector(svc: ServiceObject): Record<string, string> | undefined {
  const spec = svc.spec ?? {};
  // ExternalName Services get no endpoints; a Service without a selector gets hand-made ones.
  if (spec.type === "ExternalName") return undefined;
  const selector = spec.selector ?? {};
  return Object.keys(selector).length > 0 ? selector : undefined;
}

export function podIP(pod: PodObject): string {
  return pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || "";
}

export function isHeadless(svc: ServiceObject): boolean {
  return svc.spec?.clusterIP === "None";
}

/** The pods of the namespace the Service selects (its selector must be managed). */
export function selectedPods(svc: ServiceObject, pods: readonly KubeObject[]): PodObject[] {
  const selector = managedSelector(svc);
  if (!selector) return [];
  const requirements = fromStructured({ matchLabels: selector });
  return pods.filter(
    (p) => p.metadata.namespace === svc.metadata.namespace && matchesLabels(requirements, p.metadata.labels),
  ) as PodObject[];
}

/**
 * Whether a pod belongs in a Service's endpoints at all (upstream's ShouldPodBeInEndpoints): it has
 * an address and has not finished; a terminating pod only when `includeTerminating`.
 */
export function podBelongs(pod: PodObject, includeTerminating: boolean): boolean {
  if (!podIP(pod)) return false;
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  return includeTerminating || pod.metadata.deletionTimestamp === undefined;
}

export function podReady(pod: PodObject): boolean {
  return isPodReady(pod);
}

/** A pod's hostname is published when it names this (headless) Service as its subdomain. */
export function publishedHostname(pod: PodObject, svc: ServiceObject): string | undefined {
  const hostname = pod.spec?.hostname;
  if (!hostname || pod.spec?.subdomain !== svc.metadata.name) return undefined;
  return pod.metadata.namespace === svc.metadata.namespace ? hostname : undefined;
}

/** The container port a service port reaches on this pod; undefined when a named port is missing. */
export function resolveTargetPort(port: ServicePort, pod: PodObject): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (target === undefined || target === "") return port.port;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? "TCP";
  for (const c of pod.spec?.containers ?? []) {
    const match = (c.ports ?? []).find((p: ContainerPort) => p.name === target && (p.protocol ?? "TCP") === protocol);
    if (match?.containerPort !== undefined) return match.containerPort;
  }
  return undefined;
}

export interface ResolvedPort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** Every service port this pod can serve, in the Service's order (ports it cannot serve are left out). */
export function resolvedPorts(svc: ServiceObject, pod: PodObject): ResolvedPort[] {
  const out: ResolvedPort[] = [];
  for (const port of svc.spec?.ports ?? []) {
    const number = resolveTargetPort(port, pod);
    if (number === undefined) continue;
    const resolved: ResolvedPort = { name: port.name ?? "", port: number, protocol: port.protocol ?? "TCP" };
    if (port.appProtocol) resolved.appProtocol = port.appProtocol;
    out.push(resolved);
  }
  return out;
}

export function targetRefOf(pod: PodObject): { kind: string; namespace: string; name: string; uid: string } {
  return {
    kind: "Pod",
    namespace: pod.metadata.namespace ?? "",
    name: pod.metadata.name ?? "",
    uid: pod.metadata.uid ?? "",
  };
}

/** Labels an endpoints object copies from its Service, plus the headless marker. */
export function labelsFromService(svc: ServiceObject, extra: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isHeadless(svc)) labels["service.kubernetes.io/headless"] = "";
  else delete labels["service.kubernetes.io/headless"];
  return { ...labels, ...extra };
}
