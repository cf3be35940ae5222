// One scheduling cycle, as kube-scheduler's default profile runs it: PreFilter every filter plugin
// (which may narrow the nodes or reject the pod outright), Filter nodes in a rotating order until
// enough feasible ones are found (percentageOfNodesToScore), Score those with every score plugin,
// normalise, weight, sum, and pick the best, breaking ties at random (reservoir sampling, as
// upstream's selectHost). Volume, DRA and image plugins are not part of kflare's profile.

import { interPodAffinity } from "./filters/inter-pod-affinity.ts";
import { nodeAffinity } from "./filters/node-affinity.ts";
import { nodeName } from "./filters/node-name.ts";
import { nodePorts } from "./filters/node-ports.ts";
import { nodeResourcesFit } from "./filters/node-resources-fit.ts";
import { nodeUnschedulable } from "./filters/node-unschedulable.ts";
import { podTopologySpread } from "./filters/pod-topology-spread.ts";
import { runtimeClass } from "./filters/runtime-class.ts";
import { taintToleration } from "./filters/taint-toleration.ts";
import { fitErrorMessage, NO_NODES_AVAILABLE, type NodeStatus, reasonsHistogram } from "./message.ts";
import { balancedAllocation } from "./scores/balanced-allocation.ts";
import { interPodAffinityScore } from "./scores/inter-pod-affinity.ts";
import { leastAllocated } from "./scores/least-allocated.ts";
import { nodeAffinityScore } from "./scores/node-affinity.ts";
import { podTopologySpreadScore } from "./scores/pod-topology-spread.ts";
import { taintTolerationScore } from "./scores/taint-toleration.ts";
import type { Snapshot } from "./snapshot.ts";
import type { FilterPlugin, NodeFilter, NodeInfo, PodInfo, ScorePlugin, Status } from "./types.ts";

/** Filters in upstream's order (RuntimeClass is kflare's, after NodeAffinity whose selector it extends). */
export const FILTER_PLUGINS: readonly FilterPlugin[] = [
  nodeUnschedulable,
  nodeName,
  taintToleration,
  nodeAffinity,
  runtimeClass,
  nodePorts,
  nodeResourcesFit,
  podTopologySpread,
  interPodAffinity,
];

/** Scores with upstream's default weights (TaintToleration 3; NodeAffinity, PodTopologySpread and
 * InterPodAffinity 2; NodeResourcesFit and BalancedAllocation 1). */
export const SCORE_PLUGINS: readonly ScorePlugin[] = [
  taintTolerationScore,
  nodeAffinityScore,
  leastAllocated,
  podTopologySpreadScore,
  interPodAffinityScore,
  balancedAllocation,
];

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE = 5;

/** How many feasible nodes are enough: all of a small cluster; of a large one, 50% at 100 nodes
 * falling by 1% per 125 nodes to a 5% floor, never fewer than 100 (upstream's adaptive default). */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage <= 0) {
    percentage = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE);
  }
  const n = Math.trunc((numAllNodes * percentage) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

export type ScheduleResult =
  | { nodeName: string }
  | { unschedulable: { message: string; reasons: Record<string, number> } };

export interface ScheduleOptions {
  /** [0, 1): breaks ties between equally scored nodes. */
  random?: () => number;
  /** 0 = upstream's adaptive percentage. */
  percentageOfNodesToScore?: number;
}

export interface CycleResult {
  result: ScheduleResult;
  node: NodeInfo | undefined;
}

function unschedulable(message: string, reasons: Record<string, number>): CycleResult {
  return { result: { unschedulable: { message, reasons } }, node: undefined };
}

function runFilters(filters: readonly NodeFilter[], node: NodeInfo): Status | undefined {
  for (const filter of filters) {
    const status = filter(node);
    if (status) return status;
  }
  return undefined;
}

/** Picks the highest total; among equals each is equally likely (reservoir sampling). */
function selectHost(feasible: readonly NodeInfo[], totals: readonly number[], random: () => number): NodeInfo {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < feasible.length; i++) {
    const score = totals[i]!;
    if (score > totals[best]!) {
      best = i;
      ties = 1;
    } else if (score === totals[best]) {
      ties++;
      if (Math.floor(random() * ties) === 0) best = i;
    }
  }
  return feasible[best]!;
}

function scoreNodes(pod: PodInfo, feasible: readonly NodeInfo[], snapshot: Snapshot): number[] {
  const totals = new Array<number>(feasible.length).fill(0);
  const raw = new Array<number>(feasible.length);
  for (const plugin of SCORE_PLUGINS) {
    const scorer = plugin.prepare(pod, feasible, snapshot);
    if (!scorer) continue;
    for (let i = 0; i < feasible.length; i++) raw[i] = scorer.score(feasible[i]!);
    scorer.normalize?.(raw);
    for (let i = 0; i < feasible.length; i++) totals[i]! += raw[i]! * plugin.weight;
  }
  return totals;
}

/** One scheduling cycle for a digested pod against the snapshot (which it does not change). */
export function scheduleCycle(pod: PodInfo, snapshot: Snapshot, options: ScheduleOptions = {}): CycleResult {
  const all = snapshot.nodes;
  if (all.length === 0) return unschedulable(NO_NODES_AVAILABLE, {});
  const filters: NodeFilter[] = [];
  let allowed: ReadonlySet<string> | undefined;
  const narrowedBy: string[] = [];
  for (const plugin of FILTER_PLUGINS) {
    const prep = plugin.prepare(pod, snapshot);
    if (prep.reject) {
      const statuses = all.map((node) => ({ node, status: prep.reject! }));
      const message = fitErrorMessage(pod, all.length, statuses, prep.reject);
      return unschedulable(message, reasonsHistogram(statuses));
    }
    if (prep.filter) filters.push(prep.filter);
    if (prep.nodeNames) {
      const names = prep.nodeNames;
      allowed = allowed ? new Set([...allowed].filter((n) => names.has(n))) : names;
      narrowedBy.push(plugin.name);
    }
  }

  const statuses: NodeStatus[] = [];
  let candidates: readonly NodeInfo[] = all;
  if (allowed) {
    const names = allowed;
    candidates = all.filter((n) => names.has(n.name));
    const absent: Status = {
      code: "UnschedulableAndUnresolvable",
      reasons: [`node(s) didn't satisfy plugin(s) [${narrowedBy.sort().join(" ")}]`],
      plugin: narrowedBy[0] ?? "",
    };
    for (const node of all) if (!names.has(node.name)) statuses.push({ node, status: absent });
  }

  // Filter in a rotating order, stopping once enough nodes fit: every node gets its turn across pods.
  const n = candidates.length;
  const wanted = numFeasibleNodesToFind(n, options.percentageOfNodesToScore);
  const start = allowed ? 0 : snapshot.nextStartIndex % Math.max(n, 1);
  const feasible: NodeInfo[] = [];
  let processed = 0;
  while (processed < n && feasible.length < wanted) {
    const node = candidates[(start + processed) % n]!;
    processed++;
    const status = runFilters(filters, node);
    if (status) statuses.push({ node, status });
    else feasible.push(node);
  }
  if (!allowed && n > 0) snapshot.nextStartIndex = (start + processed) % n;

  if (feasible.length === 0) {
    return unschedulable(fitErrorMessage(pod, all.length, statuses, undefined), reasonsHistogram(statuses));
  }
  const chosen =
    feasible.length === 1
      ? feasible[0]!
      : selectHost(feasible, scoreNodes(pod, feasible, snapshot), options.random ?? (() => 0));
  return { result: { nodeName: chosen.name }, node: chosen };
}
