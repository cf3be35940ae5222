// Which pods a ReplicaSet deletes first when it scales down: upstream's ActivePodsWithRanks order,
// so that the pods doing the least useful work go first (not yet scheduled, not yet running, not
// ready, cheap to delete, doubled up on a node, freshly ready, crash-looping, young).
//
// Simplification: upstream's co-location rank counts the pods of every ReplicaSet of the same
// Deployment on a node; this plan only sees the ReplicaSet's own pods, so the rank counts those.

import { isPodActive, isPodReady, type PodObject, parseTime, podPhase, podReadySince } from "../pod-utils.ts";

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Upstream's pod-deletion-cost annotation: lower costs are deleted first; invalid means 0. */
export const POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

function deletionCost(pod: PodObject): number {
  const text = pod.metadata.annotations?.[POD_DELETION_COST];
  if (text === undefined || !/^[+-]?\d+$/.test(text.trim())) return 0;
  const n = Number.parseInt(text, 10);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

function maxRestarts(pod: PodObject): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

/**
 * Upstream buckets ages by powers of two (LogarithmicScaleDown, on by default since 1.22, GA in
 * 1.31) so that scale-down does not always pick exactly the newest pod, which would keep the same
 * few pods churning; ties within a bucket are broken by UID, which is effectively random.
 */
function logRank(t: number, now: number): number {
  const nanos = (now - t) * 1e6;
  return nanos > 0 ? Math.floor(Math.log2(nanos)) : -1;
}

/** Negative: a goes first. Compares two times where the later (or missing) one goes first. */
function compareRecency(a: number | undefined, b: number | undefined, now: number, ua: string, ub: string): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const diff = logRank(a, now) - logRank(b, now);
  if (diff !== 0) return diff;
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

function nodeOf(pod: PodObject): string {
  return pod.spec?.nodeName ?? "";
}

/** Orders pods so that the first ones are the best to delete. Does not change its input. */
export function rankPodsForDeletion(pods: PodObject[], now: number): PodObject[] {
  const onNode = new Map<string, number>();
  for (const pod of pods) {
    if (isPodActive(pod)) onNode.set(nodeOf(pod), (onNode.get(nodeOf(pod)) ?? 0) + 1);
  }
  const rank = (pod: PodObject) => onNode.get(nodeOf(pod)) ?? 0;
  const compare = (a: PodObject, b: PodObject): number => {
    // 1. Not yet scheduled before scheduled.
    const na = nodeOf(a);
    const nb = nodeOf(b);
    if (na !== nb && (na === "" || nb === "")) return na === "" ? -1 : 1;
    // 2. Pending before Unknown before Running.
    const pa = PHASE_ORDER[podPhase(a)] ?? 0;
    const pb = PHASE_ORDER[podPhase(b)] ?? 0;
    if (pa !== pb) return pa - pb;
    // 3. Not ready before ready.
    const ra = isPodReady(a);
    if (ra !== isPodReady(b)) return ra ? 1 : -1;
    // 4. Lower deletion cost first.
    const ca = deletionCost(a);
    const cb = deletionCost(b);
    if (ca !== cb) return ca - cb;
    // 5. More pods on the same node first (spreads what stays).
    if (rank(a) !== rank(b)) return rank(b) - rank(a);
    const ua = a.metadata.uid ?? "";
    const ub = b.metadata.uid ?? "";
    // 6. Both ready: the more recently ready first.
    if (ra) {
      const byReady = compareRecency(podReadySince(a), podReadySince(b), now, ua, ub);
      if (byReady !== 0) return byReady;
    }
    // 7. More restarts first.
    const xa = maxRestarts(a);
    const xb = maxRestarts(b);
    if (xa !== xb) return xb - xa;
    // 8. Younger first.
    return compareRecency(
      parseTime(a.metadata.creationTimestamp),
      parseTime(b.metadata.creationTimestamp),
      now,
      ua,
      ub,
    );
  };
  return [...pods].sort(compare);
}
