// Node liveness on the control plane's clock (upstream's tryUpdateNodeHealth). A node is alive while
// its Lease in kube-node-lease (or, failing that, its Ready condition's heartbeat) is younger than
// the grace period. Two things make the judgement safe on this platform:
// - `startedAt`: nothing is judged older than the control plane's own start, so after a restart (or
//   a deploy) every node gets a fresh grace period instead of being declared dead for the time the
//   control plane itself was away;
// - `observedAt` (optional): when the host records, on its own clock, the moment it saw each node's
//   lease change, that replaces the times written in the objects, which a node with a wrong clock
//   (a Pi without a hardware clock) may have written. The node's Durable Object renews leases on
//   the control plane's clock, so renewTime is normally trustworthy without it.

import type { Lease } from "../../../schemas/coordination/lease.ts";
import type { Node, NodeCondition } from "../../../schemas/core/node.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { parseTime, rfc3339 } from "../events/time.ts";
import type { NodeLifecycleConfig } from "./config.ts";

export type NodeObject = KubeObject & Node;
export type LeaseObject = KubeObject & Lease;

/** Conditions the controller turns Unknown with Ready (not NetworkUnavailable: that is the network plugin's). */
const FOLLOWING_READY = ["MemoryPressure", "DiskPressure", "PIDPressure"];

export interface NodeHealth {
  node: NodeObject;
  name: string;
  /** When the node last showed life, on the control plane's clock (never before startedAt). */
  lastSeen: number;
  expired: boolean;
  /** The Ready status stored now, and after this pass (undefined: no Ready condition). */
  storedReady: string | undefined;
  ready: string | undefined;
  /** The full conditions to write, when this pass changes them. */
  newConditions?: NodeCondition[];
  /** When the grace period runs out, if that will change something (for the requeue). */
  expiresAt?: number;
}

export function conditionOf(node: NodeObject, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

function latest(times: (number | undefined)[]): number | undefined {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
}

export interface HealthContext {
  now: number;
  startedAt: number;
  config: NodeLifecycleConfig;
  observedAt?: ReadonlyMap<string, number>;
}

/** The conditions an unresponsive node gets: Ready and the pressure conditions become Unknown. */
function unknownConditions(node: NodeObject, now: number): NodeCondition[] {
  const next = structuredClone(node.status?.conditions ?? []);
  for (const type of ["Ready", ...FOLLOWING_READY]) {
    const current = next.find((c) => c.type === type);
    if (!current) {
      const added: NodeCondition = {
        type,
        status: "Unknown",
        reason: "NodeStatusNeverUpdated",
        message: "Kubelet never posted node status.",
        lastTransitionTime: rfc3339(now),
      };
      if (node.metadata.creationTimestamp) added.lastHeartbeatTime = node.metadata.creationTimestamp;
      next.push(added);
    } else if (current.status !== "Unknown") {
      // lastHeartbeatTime stays: it is the last time the node itself said something.
      current.status = "Unknown";
      current.reason = "NodeStatusUnknown";
      current.message = "Kubelet stopped posting node status.";
      current.lastTransitionTime = rfc3339(now);
    }
  }
  return next;
}

export function assessNode(node: NodeObject, lease: LeaseObject | undefined, ctx: HealthContext): NodeHealth {
  const name = node.metadata.name ?? "";
  const readyCondition = conditionOf(node, "Ready");
  const written = latest([parseTime(lease?.spec?.renewTime), parseTime(readyCondition?.lastHeartbeatTime)]);
  const seen = ctx.observedAt?.get(name) ?? written ?? parseTime(node.metadata.creationTimestamp) ?? ctx.startedAt;
  const lastSeen = Math.max(seen, ctx.startedAt);
  // A node that never posted Ready is still starting: it gets the longer startup grace.
  const grace = readyCondition ? ctx.config.gracePeriodMs : ctx.config.startupGracePeriodMs;
  // Upstream's test is "now after lastSeen + grace": at the boundary itself the node is still fine.
  const expired = ctx.now > lastSeen + grace;
  const storedReady = readyCondition?.status;
  const health: NodeHealth = { node, name, lastSeen, expired, storedReady, ready: storedReady };
  const candidate = unknownConditions(node, ctx.now);
  const wouldChange = JSON.stringify(candidate) !== JSON.stringify(node.status?.conditions ?? []);
  if (!expired) {
    if (wouldChange) health.expiresAt = lastSeen + grace + 1;
    return health;
  }
  if (wouldChange) {
    health.newConditions = candidate;
    health.ready = "Unknown";
  }
  return health;
}
