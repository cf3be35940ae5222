// What kube-apiserver's admission plugins and the pod strategy fill on a new Pod without looking at
// other objects: the service account name, the not-ready/unreachable tolerations
// (DefaultTolerationSeconds), the priority (Priority, with no PriorityClass objects), and the
// Pending phase and QoS class in status.

import type { Container } from "../../../schemas/core/container.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import type { PodSpec } from "../../../schemas/core/pod-spec.ts";
import { addQuantities, compareQuantities, parseQuantity, type Quantity } from "../../../schemas/quantity.ts";

export const NOT_READY_TAINT = "node.kubernetes.io/not-ready";
export const UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";
/** DefaultTolerationSeconds' default: pods stay five minutes on a node that stops answering. */
export const DEFAULT_TOLERATION_SECONDS = 300;

/**
 * kube-apiserver's --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds:
 * set once per isolate from the deployment's configuration (tests shorten it to seconds).
 */
let configuredTolerationSeconds = DEFAULT_TOLERATION_SECONDS;

export function setDefaultTolerationSeconds(seconds: number): void {
  if (Number.isInteger(seconds) && seconds >= 0) configuredTolerationSeconds = seconds;
}

/** The built-in priority classes kube-apiserver creates; any other name would need a PriorityClass. */
const SYSTEM_PRIORITIES: Record<string, number> = {
  "system-node-critical": 2000001000,
  "system-cluster-critical": 2000000000,
};

function tolerates(spec: PodSpec, taintKey: string): boolean {
  return (spec.tolerations ?? []).some(
    (t) => (!t.key || t.key === taintKey) && (!t.effect || t.effect === "NoExecute"),
  );
}

/** DefaultTolerationSeconds: tolerate not-ready and unreachable nodes for 300 s unless already tolerated. */
export function addDefaultTolerations(spec: PodSpec, seconds = configuredTolerationSeconds): void {
  for (const key of [NOT_READY_TAINT, UNREACHABLE_TAINT]) {
    if (tolerates(spec, key)) continue;
    spec.tolerations ??= [];
    spec.tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: seconds });
  }
}

const QOS_RESOURCES = ["cpu", "memory"];

function positive(value: string | undefined): Quantity | undefined {
  if (value === undefined) return undefined;
  const q = parseQuantity(value);
  return typeof q !== "string" && q.n > 0n ? q : undefined;
}

/** The pod's QoS class, from the cpu and memory requests and limits of all its containers. */
export function podQOSClass(spec: PodSpec): "Guaranteed" | "Burstable" | "BestEffort" {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const add = (into: Map<string, Quantity>, name: string, q: Quantity): void => {
    const prev = into.get(name);
    into.set(name, prev ? addQuantities(prev, q) : q);
  };
  const podLevel = spec.resources && (spec.resources.requests || spec.resources.limits);
  const sources: Pick<Container, "resources">[] = podLevel
    ? [{ resources: spec.resources }]
    : [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const c of sources) {
    for (const name of QOS_RESOURCES) {
      const req = positive(c.resources?.requests?.[name]);
      if (req) add(requests, name, req);
    }
    let limitsFound = 0;
    for (const name of QOS_RESOURCES) {
      const lim = positive(c.resources?.limits?.[name]);
      if (lim) {
        add(limits, name, lim);
        limitsFound++;
      }
    }
    if (limitsFound < QOS_RESOURCES.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantities(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}

/** Create-only admission steps and the strategy's PrepareForCreate for a new Pod (tolerations come with the defaults). */
export function admitNewPod(pod: Pod): void {
  pod.spec ??= {};
  const spec = pod.spec;
  // ServiceAccount admission; the deprecated serviceAccount field mirrors serviceAccountName.
  spec.serviceAccountName ||= spec.serviceAccount || "default";
  spec.serviceAccount = spec.serviceAccountName;
  if (spec.priority === undefined) spec.priority = SYSTEM_PRIORITIES[spec.priorityClassName ?? ""] ?? 0;
  spec.preemptionPolicy ||= "PreemptLowerPriority";
  pod.status = { phase: "Pending", qosClass: podQOSClass(spec) };
}
