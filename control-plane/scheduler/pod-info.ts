// Digesting a Pod object into a PodInfo once, so no plugin re-reads the spec per node. A pod's
// RuntimeClass contributes what upstream's RuntimeClass admission plugin would have written into
// the pod (its overhead, scheduling.nodeSelector and tolerations): this API server does not run that
// plugin, so the scheduler applies them itself.

import type { PodSpec } from "../../schemas/core/pod-spec.ts";
import type { RuntimeClass } from "../../schemas/node/runtimeclass.ts";
import type { KubeObject } from "../../schemas/object.ts";
import { compileAffinityTerms } from "./affinity-terms.ts";
import { podRequests } from "./resources.ts";
import type { HostPort, PodInfo, RuntimeClassInfo } from "./types.ts";

export function runtimeClassInfo(object: KubeObject): RuntimeClassInfo {
  const rc = object as unknown as RuntimeClass;
  return {
    name: rc.metadata?.name ?? "",
    handler: rc.handler ?? "",
    nodeSelector: rc.scheduling?.nodeSelector ?? {},
    tolerations: rc.scheduling?.tolerations ?? [],
    overhead: rc.overhead?.podFixed,
  };
}

export function podSpecOf(pod: KubeObject): PodSpec {
  const spec = pod.spec;
  return typeof spec === "object" && spec !== null ? (spec as PodSpec) : {};
}

/** Ports bound on the host: those of app containers and of sidecars, which run for the pod's life. */
function hostPorts(spec: PodSpec): HostPort[] {
  const out: HostPort[] = [];
  const sidecars = (spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  for (const c of [...sidecars, ...(spec.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ hostIP: p.hostIP || "0.0.0.0", protocol: p.protocol || "TCP", port: p.hostPort });
    }
  }
  return out;
}

/** Upstream spreads by default the pods that a ReplicaSet, ReplicationController or StatefulSet (or
 * a Service) selects; kflare keys that on the controller owner, so Job and DaemonSet pods are not
 * spread, as upstream does not spread them. */
const SPREAD_OWNER_KINDS = new Set(["ReplicaSet", "ReplicationController", "StatefulSet"]);

function spreadOwnerUID(pod: KubeObject): string | undefined {
  for (const ref of pod.metadata.ownerReferences ?? []) {
    if (ref.controller) return SPREAD_OWNER_KINDS.has(ref.kind) ? ref.uid : undefined;
  }
  return undefined;
}

/** `runtimeClasses` resolves spec.runtimeClassName (a missing class leaves runtimeClass undefined). */
export function buildPodInfo(pod: KubeObject, runtimeClasses: ReadonlyMap<string, RuntimeClassInfo>): PodInfo {
  const spec = podSpecOf(pod);
  const runtimeClass = spec.runtimeClassName ? runtimeClasses.get(spec.runtimeClassName) : undefined;
  const namespace = pod.metadata.namespace ?? "default";
  const labels = pod.metadata.labels ?? {};
  const overhead = spec.overhead ?? runtimeClass?.overhead;
  const { requests, nonZeroCPU, nonZeroMemory } = podRequests(spec, overhead);
  const ownTolerations = spec.tolerations ?? [];
  const tolerations = runtimeClass?.tolerations.length
    ? [...ownTolerations, ...runtimeClass.tolerations]
    : ownTolerations;
  return {
    object: pod,
    spec,
    namespace,
    name: pod.metadata.name ?? "",
    uid: pod.metadata.uid ?? "",
    labels,
    priority: spec.priority ?? 0,
    terminating: pod.metadata.deletionTimestamp !== undefined,
    ownerUID: spreadOwnerUID(pod),
    requests,
    nonZeroCPU,
    nonZeroMemory,
    hostPorts: hostPorts(spec),
    tolerations,
    affinity: compileAffinityTerms(spec, namespace, labels),
    runtimeClassName: spec.runtimeClassName || undefined,
    runtimeClass,
  };
}
