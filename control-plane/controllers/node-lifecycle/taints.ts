// Taints the node lifecycle controller owns, and toleration matching.
// - NoSchedule taints follow conditions (upstream's TaintNodesByCondition): the scheduler keeps new
//   pods off nodes that are not ready, unreachable, under pressure, or cordoned.
// - NoExecute taints (not-ready, unreachable) evict running pods that do not tolerate them; they
//   carry timeAdded, from which tolerationSeconds count.

import type { Toleration } from "../../../schemas/core/common.ts";
import type { NodeCondition, Taint } from "../../../schemas/core/node.ts";

export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";

const NO_SCHEDULE = "NoSchedule";
export const NO_EXECUTE = "NoExecute";

/** Condition type -> status -> the NoSchedule taint it calls for. */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: "node.kubernetes.io/memory-pressure" },
  DiskPressure: { True: "node.kubernetes.io/disk-pressure" },
  NetworkUnavailable: { True: "node.kubernetes.io/network-unavailable" },
  PIDPressure: { True: "node.kubernetes.io/pid-pressure" },
};

const MANAGED_NO_SCHEDULE = new Set([...Object.values(CONDITION_TAINTS).flatMap(Object.values), TAINT_UNSCHEDULABLE]);
const MANAGED_NO_EXECUTE = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE]);

/** The NoSchedule taint keys a node's conditions and spec.unschedulable call for, in a stable order. */
export function noScheduleTaintKeys(conditions: NodeCondition[], unschedulable: boolean): string[] {
  const keys: string[] = [];
  for (const [type, byStatus] of Object.entries(CONDITION_TAINTS)) {
    const status = conditions.find((c) => c.type === type)?.status;
    const key = status === undefined ? undefined : byStatus[status];
    if (key) keys.push(key);
  }
  if (unschedulable) keys.push(TAINT_UNSCHEDULABLE);
  return keys;
}

export function isManagedNoExecute(taint: Taint): boolean {
  return taint.effect === NO_EXECUTE && MANAGED_NO_EXECUTE.has(taint.key ?? "");
}

function isManaged(taint: Taint): boolean {
  return isManagedNoExecute(taint) || (taint.effect === NO_SCHEDULE && MANAGED_NO_SCHEDULE.has(taint.key ?? ""));
}

/**
 * The node's taints with the managed ones made to match: `noSchedule` keys and `noExecute` taints
 * (each with its timeAdded). Taints set by others are kept in place; a managed taint that stays
 * keeps its original timeAdded. Returns undefined when nothing changes.
 */
export function reconcileTaints(existing: Taint[], noSchedule: string[], noExecute: Taint[]): Taint[] | undefined {
  const wanted = [
    ...noSchedule.map((key): Taint => ({ key, effect: NO_SCHEDULE })),
    ...noExecute.map((t) => structuredClone(t)),
  ];
  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  const next = existing.filter((t) => !isManaged(t) || wanted.some((w) => same(w, t))).map((t) => structuredClone(t));
  for (const w of wanted) if (!next.some((t) => same(t, w))) next.push(w);
  return JSON.stringify(next) === JSON.stringify(existing) ? undefined : next;
}

/** Upstream's ToleratesTaint: effect and key (when set) must match, then Exists, or Equal on value. */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? "") {
    case "":
    case "Equal":
      return (toleration.value ?? "") === (taint.value ?? "");
    case "Exists":
      return true;
    default:
      return false;
  }
}

/**
 * A pod's tolerations plus DefaultTolerationSeconds' two (not-ready and unreachable, NoExecute)
 * when the pod has none for them: admission adds these to every pod, but a pod created around
 * admission (by a test, or an older version) should not be evicted at once for lacking them.
 */
export function withDefaultTolerations(tolerations: Toleration[], seconds: number): Toleration[] {
  const out = [...tolerations];
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE]) {
    if (tolerations.some((t) => tolerates(t, { key, effect: NO_EXECUTE }))) continue;
    out.push({ key, operator: "Exists", effect: NO_EXECUTE, tolerationSeconds: seconds });
  }
  return out;
}
