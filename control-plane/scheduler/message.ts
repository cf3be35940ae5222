// The words kube-scheduler 1.35 puts in a FailedScheduling event and the PodScheduled condition:
//   0/5 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient memory, 2 node(s)
//   didn't match Pod's node affinity/selector. no new claims to deallocate, preemption: 0/5 nodes
//   are available: 5 Preemption is not helpful for scheduling.
// Each node contributes the reasons of the first filter that refused it; the "count reason" strings
// are sorted as strings (so "10 ..." sorts before "2 ..."), as upstream sorts them. The tail is what
// the PostFilter plugins said: DynamicResources (on by default since 1.34) has no claims to free,
// and DefaultPreemption explains per node why evicting lower-priority pods would not help.

import type { NodeInfo, PodInfo, Status } from "./types.ts";

export const NO_NODES_AVAILABLE = "no nodes available to schedule pods";
export const PREEMPTION_NOT_HELPFUL = "Preemption is not helpful for scheduling";
export const NO_PREEMPTION_VICTIMS = "No preemption victims found for incoming pod";
export const PREEMPTION_POLICY_NEVER = "not eligible due to preemptionPolicy=Never.";
export const NO_CLAIMS_TO_DEALLOCATE = "no new claims to deallocate";

export interface NodeStatus {
  readonly node: NodeInfo;
  readonly status: Status;
}

export function reasonsHistogram(statuses: readonly NodeStatus[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of statuses) for (const reason of status.reasons) counts[reason] = (counts[reason] ?? 0) + 1;
  return counts;
}

function sortedHistogram(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([reason, n]) => `${n} ${reason}`)
    .sort()
    .join(", ");
}

/** "0/N nodes are available: <reasons>." */
export function nodesAvailable(numAllNodes: number, reasons: string): string {
  return reasons ? `0/${numAllNodes} nodes are available: ${reasons}.` : `0/${numAllNodes} nodes are available:`;
}

/** What DefaultPreemption would report, when it can tell without evicting anything: undefined when
 * some node has lower-priority pods whose eviction might make room (kflare does not preempt; upstream
 * would, and its message would then carry no preemption clause at all). */
export function preemptionMessage(
  pod: PodInfo,
  numAllNodes: number,
  statuses: readonly NodeStatus[],
): string | undefined {
  if (pod.spec.preemptionPolicy === "Never") return `preemption: ${PREEMPTION_POLICY_NEVER}`;
  const counts: Record<string, number> = {};
  for (const { node, status } of statuses) {
    let reason = PREEMPTION_NOT_HELPFUL;
    if (status.code === "Unschedulable") {
      if (node.minPriority < pod.priority) return undefined;
      reason = NO_PREEMPTION_VICTIMS;
    }
    counts[reason] = (counts[reason] ?? 0) + 1;
  }
  return `preemption: ${nodesAvailable(numAllNodes, sortedHistogram(counts))}`;
}

/** The whole message: the filters' (or a PreFilter's) reasons, then the PostFilter plugins' words. */
export function fitErrorMessage(
  pod: PodInfo,
  numAllNodes: number,
  statuses: readonly NodeStatus[],
  preFilter: Status | undefined,
): string {
  const reasons = preFilter ? preFilter.reasons.join(", ") : sortedHistogram(reasonsHistogram(statuses));
  const filters = nodesAvailable(numAllNodes, reasons);
  const preemption = preemptionMessage(pod, numAllNodes, statuses);
  return preemption === undefined ? filters : `${filters} ${NO_CLAIMS_TO_DEALLOCATE}, ${preemption}`;
}
