// The node lifecycle controller (kube-controller-manager's nodelifecycle, its taint eviction
// controller, and pod GC's orphan rule) as one pure plan over all nodes, their leases and their
// pods. Each pass:
// 1. marks nodes whose grace ran out Unknown (status), with a NodeNotReady event;
// 2. makes the managed taints match each node's conditions: NoSchedule ones always, NoExecute
//    ones (not-ready, unreachable) through the zone's disruption state and rate;
// 3. marks pods on unreachable nodes not Ready, evicts pods whose NoExecute taints are not (or no
//    longer) tolerated, and force-deletes pods whose node is gone;
// 4. requeues for the next instant something is due (a grace period or a toleration running out,
//    a rate-limited taint, the taint write deferred behind a status write).
// A node is written at most once per pass (status or spec, each guarded by its resourceVersion):
// its taints follow, on the next pass, the status this pass wrote, as upstream's taint pass reads
// the conditions its health pass wrote a monitor period earlier.

import type { Taint } from "../../../schemas/core/node.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { earliest, parseTime, rfc3339 } from "../events/time.ts";
import { type Action, type EventSpec, NODES } from "../types.ts";
import { NODE_CONTROLLER, type NodeLifecycleConfig, resolveNodeLifecycleConfig } from "./config.ts";
import { assessDisruption, type ClusterDisruption, taintRate, zoneKeyOf } from "./disruption.ts";
import { assessNode, conditionOf, type LeaseObject, type NodeHealth, type NodeObject } from "./health.ts";
import { planPods } from "./pods.ts";
import {
  isManagedNoExecute,
  NO_EXECUTE,
  noScheduleTaintKeys,
  reconcileTaints,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
} from "./taints.ts";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";

export interface NodeLifecycleInput {
  nodes: KubeObject[];
  /** Node leases (kube-node-lease), named after their nodes. */
  leases: KubeObject[];
  /** Pods bound to a node (spec.nodeName set). */
  pods: KubeObject[];
  /** The control plane's clock. */
  now: number;
  /** When this control plane instance started: nothing is judged older than this. */
  startedAt: number;
  config?: Partial<NodeLifecycleConfig>;
  /** Optional: when the host saw each node's lease last change, on its own clock (see health.ts). */
  observedAt?: ReadonlyMap<string, number>;
}

export interface ClusterAssessment {
  health: NodeHealth[];
  disruption: ClusterDisruption;
}

/**
 * Node health and zone states as this pass sees them. Exported so the host can notice the
 * cluster leaving full disruption and pass that instant as `startedAt` (upstream then gives
 * every node a fresh grace period, as after a restart).
 */
export function assessCluster(input: NodeLifecycleInput, config: NodeLifecycleConfig): ClusterAssessment {
  const leases = new Map<string, LeaseObject>();
  for (const lease of input.leases) {
    const ns = lease.metadata.namespace;
    if (ns && ns !== NODE_LEASE_NAMESPACE) continue;
    leases.set(lease.metadata.name ?? "", lease as LeaseObject);
  }
  const ctx = { now: input.now, startedAt: input.startedAt, config, observedAt: input.observedAt };
  const health = input.nodes.map((n) => assessNode(n as NodeObject, leases.get(n.metadata.name ?? ""), ctx));
  return { health, disruption: assessDisruption(health, config) };
}

/**
 * The nodes whose pods this pass may act on: those judged Unknown now (their Ready pods are marked
 * not Ready) and those carrying a NoExecute taint (their pods may be evicted). Pods on any other
 * existing node produce no action, so a host with tens of thousands of pods reads only these
 * nodes' pods (and those of nodes that no longer exist) instead of parsing every pod each pass.
 */
export function nodesWithPodWork(input: Omit<NodeLifecycleInput, "pods">): Set<string> {
  const config = resolveNodeLifecycleConfig(input.config);
  const { health } = assessCluster({ ...input, pods: [] }, config);
  const names = new Set<string>();
  for (const h of health)
    if (h.ready === "Unknown" || (h.node.spec?.taints ?? []).some((t) => t.effect === NO_EXECUTE)) names.add(h.name);
  return names;
}

function nodeEvent(name: string, status: string): Action {
  // Upstream refers to nodes with uid = name; `kubectl describe node` looks events up that way.
  const regarding: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name, uid: name } };
  const event: EventSpec = {
    regarding,
    type: "Normal",
    reason: status,
    message: `Node ${name} status is now: ${status}`,
    source: NODE_CONTROLLER,
  };
  return { type: "event", event };
}

export function planNodeLifecycle(input: NodeLifecycleInput): Action[] {
  const config = resolveNodeLifecycleConfig(input.config);
  const { health, disruption } = assessCluster(input, config);
  const actions: Action[] = [];
  const waits: (number | undefined)[] = [];

  for (const h of health) {
    if (h.expiresAt !== undefined) waits.push(h.expiresAt - input.now);
    if (!h.newConditions) continue;
    const next = structuredClone(h.node);
    next.status = { ...next.status, conditions: h.newConditions };
    actions.push({ type: "updateStatus", resource: NODES, object: next });
    if (h.storedReady === "True") actions.push(nodeEvent(h.name, "NodeNotReady"));
    waits.push(config.followUpMs);
  }
  const taints = planTaints(health, disruption, input, config, waits);
  actions.push(...taints.actions);
  const clock = {
    now: input.now,
    startedAt: input.startedAt,
    defaultTolerationSeconds: config.podEvictionTimeoutMs / 1000,
  };
  actions.push(...planPods(health, disruption, taints.planned, clock, input.pods, waits));

  const next = earliest(waits);
  if (next !== undefined) actions.push({ type: "requeue", afterMs: next });
  return actions;
}

interface TaintPlan {
  health: NodeHealth;
  noSchedule: string[];
  noExecute: Taint[];
  /** The NoExecute taint it should get once its zone's rate allows. */
  pending?: string;
}

function planTaints(
  health: NodeHealth[],
  disruption: ClusterDisruption,
  input: NodeLifecycleInput,
  config: NodeLifecycleConfig,
  waits: (number | undefined)[],
): { actions: Action[]; planned: Map<string, Taint[]> } {
  const plans: TaintPlan[] = [];
  for (const h of health) {
    // A node whose status changes this pass gets its taints on the next one (one write per node).
    if (h.newConditions) continue;
    const spec = h.node.spec ?? {};
    const current = (spec.taints ?? []).filter(isManagedNoExecute);
    const plan: TaintPlan = {
      health: h,
      noSchedule: noScheduleTaintKeys(h.node.status?.conditions ?? [], spec.unschedulable === true),
      noExecute: current,
    };
    if (disruption.allFullyDisrupted || h.ready === "True") plan.noExecute = [];
    else if (h.ready === "False" || h.ready === "Unknown") {
      const key = h.ready === "False" ? TAINT_NOT_READY : TAINT_UNREACHABLE;
      const has = current.find((t) => t.key === key);
      if (has) plan.noExecute = [has];
      // A swap between not-ready and unreachable is immediate: the node was already judged.
      else if (current.length > 0) plan.noExecute = [{ key, effect: NO_EXECUTE, timeAdded: rfc3339(input.now) }];
      else plan.pending = key;
    }
    plans.push(plan);
  }
  admitByRate(plans, health, disruption, input, config, waits);

  const actions: Action[] = [];
  const planned = new Map<string, Taint[]>();
  for (const plan of plans) {
    const node = plan.health.node;
    const taints = reconcileTaints(node.spec?.taints ?? [], plan.noSchedule, plan.noExecute);
    if (!taints) continue;
    planned.set(plan.health.name, taints);
    const next = structuredClone(node);
    next.spec = { ...next.spec };
    if (taints.length > 0) next.spec.taints = taints;
    else delete next.spec.taints;
    actions.push({ type: "update", resource: NODES, object: next });
  }
  return { actions, planned };
}

/** Gives pending NoExecute taints out per zone at the zone's rate, longest-unhealthy node first. */
function admitByRate(
  plans: TaintPlan[],
  health: NodeHealth[],
  disruption: ClusterDisruption,
  input: NodeLifecycleInput,
  config: NodeLifecycleConfig,
  waits: (number | undefined)[],
): void {
  const byZone = new Map<string, TaintPlan[]>();
  for (const plan of plans) {
    if (!plan.pending) continue;
    const zone = zoneKeyOf(plan.health.node);
    byZone.set(zone, [...(byZone.get(zone) ?? []), plan]);
  }
  for (const [zone, candidates] of byZone) {
    const state = disruption.zones.get(zone) ?? "Normal";
    const rate = taintRate(state, disruption.sizes.get(zone) ?? 0, config);
    // Rate 0: tainting is stopped in this zone until its state changes (a node change re-runs us).
    if (rate <= 0) continue;
    const interval = 1000 / rate;
    let last: number | undefined;
    for (const h of health) {
      if (zoneKeyOf(h.node) !== zone) continue;
      for (const t of (h.node.spec?.taints ?? []).filter(isManagedNoExecute)) {
        const added = parseTime(t.timeAdded);
        if (added !== undefined && added >= input.startedAt) last = Math.max(last ?? added, added);
      }
    }
    const allowedAt = last === undefined ? input.now : last + interval;
    if (input.now < allowedAt) {
      waits.push(allowedAt - input.now);
      continue;
    }
    const since = (p: TaintPlan) => parseTime(conditionOf(p.health.node, "Ready")?.lastTransitionTime) ?? input.now;
    candidates.sort((a, b) => since(a) - since(b) || a.health.name.localeCompare(b.health.name));
    const first = candidates[0];
    if (first?.pending) first.noExecute = [{ key: first.pending, effect: NO_EXECUTE, timeAdded: rfc3339(input.now) }];
    if (candidates.length > 1) waits.push(interval);
  }
}
