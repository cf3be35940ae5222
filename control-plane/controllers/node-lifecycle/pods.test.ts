import { describe, expect, it } from "vitest";
import type { Toleration } from "../../../schemas/core/common.ts";
import type { Taint } from "../../../schemas/core/node.ts";
import type { PodCondition } from "../../../schemas/core/pod-status.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { type Action, NODES, PODS } from "../types.ts";
import { type NodeLifecycleInput, nodesWithPodWork, planNodeLifecycle } from "./plan.ts";
import { at, LONG_AGO, lease, node, pod, T0, UNREACHABLE_NS, unreachable } from "./test-fixtures.ts";

// A long node grace period keeps the healthy node's lease out of the requeue these tests look at.
const config = { gracePeriodMs: 3_600_000 };
const down = node("a", { ready: "Unknown", taints: [UNREACHABLE_NS, unreachable(T0)] });
const up = node("b", { ready: "True" });
/** The healthy node's lease, renewed at `now`, runs out an hour and a millisecond later. */
const LEASE_RUNS_OUT: Action = { type: "requeue", afterMs: 3_600_001 };

function run(pods: KubeObject[], now: number, extra: Partial<NodeLifecycleInput> = {}): Action[] {
  return planNodeLifecycle({
    nodes: [down, up],
    leases: [lease("b", now)],
    pods,
    now,
    startedAt: LONG_AGO,
    config,
    ...extra,
  });
}

const UNREACHABLE_FOR = (seconds?: number): Toleration => ({
  key: "node.kubernetes.io/unreachable",
  operator: "Exists",
  effect: "NoExecute",
  ...(seconds === undefined ? {} : { tolerationSeconds: seconds }),
});

function evicted(p: KubeObject, now: number, extraConditions: PodCondition[] = []): Action[] {
  const next = structuredClone(p);
  const conditions = (next.status as { conditions: PodCondition[] }).conditions;
  conditions.push(...extraConditions, {
    type: "DisruptionTarget",
    status: "True",
    reason: "DeletionByTaintManager",
    message: "Taint manager: deleting due to NoExecute taint",
    lastTransitionTime: at(now),
  });
  const name = p.metadata.name ?? "";
  return [
    { type: "updateStatus", resource: PODS, object: next },
    { type: "delete", resource: PODS, namespace: "default", name, uid: `${name}-uid` },
    {
      type: "event",
      event: {
        regarding: p,
        type: "Normal",
        reason: "TaintManagerEviction",
        message: `Marking for deletion Pod default/${name}`,
        source: "taint-eviction-controller",
      },
    },
  ];
}

describe("taint-based eviction", () => {
  const plain = pod("plain", "a", { ready: false });
  const forever = pod("forever", "a", { ready: false, tolerations: [UNREACHABLE_FOR()] });
  const minute = pod("minute", "a", { ready: false, tolerations: [UNREACHABLE_FOR(60)] });
  const leaving = pod("leaving", "a", { ready: false, deleting: true });
  const healthy = pod("healthy", "b");
  const all = [plain, forever, minute, leaving, healthy];

  it("evicts when tolerationSeconds run out (boundary included) and requeues for the next", () => {
    expect(run(all, T0 + 59_999)).toEqual([{ type: "requeue", afterMs: 1 }]);
    expect(run(all, T0 + 60_000)).toEqual([...evicted(minute, T0 + 60_000), { type: "requeue", afterMs: 240_000 }]);
  });

  it("gives pods without a toleration the default 300 s, then evicts them", () => {
    const rest = [plain, forever, leaving, healthy];
    expect(run(rest, T0 + 299_999)).toEqual([{ type: "requeue", afterMs: 1 }]);
    expect(run(rest, T0 + 300_000)).toEqual([...evicted(plain, T0 + 300_000), LEASE_RUNS_OUT]);
  });

  it("never evicts a pod that tolerates the taint forever", () => {
    expect(run([forever], T0 + 86_400_000)).toEqual([LEASE_RUNS_OUT]);
  });

  it("counts tolerationSeconds from the control plane's start when that is later", () => {
    const startedAt = T0 + 200_000;
    expect(run([plain], T0 + 400_000, { startedAt })).toEqual([{ type: "requeue", afterMs: 100_000 }]);
    expect(run([plain], T0 + 500_000, { startedAt })).toEqual([...evicted(plain, T0 + 500_000), LEASE_RUNS_OUT]);
  });

  it("evicts at once a pod that does not tolerate a NoExecute taint, even on a ready node", () => {
    const dedicated = { key: "dedicated", value: "gpu", effect: "NoExecute" };
    const tainted = node("b", { ready: "True", taints: [dedicated] });
    const tolerant = pod("tolerant", "b", {
      tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoExecute" }],
    });
    const intolerant = pod("intolerant", "b");
    const actions = run([tolerant, intolerant], T0, { nodes: [tainted] });
    expect(actions).toEqual([...evicted(intolerant, T0), LEASE_RUNS_OUT]);
  });

  it("does not evict for a taint this pass removes (the node came back)", () => {
    const back = node("a", { ready: "True", taints: [UNREACHABLE_NS, unreachable(T0)] });
    const actions = run([plain], T0 + 600_000, {
      nodes: [back, up],
      leases: [lease("a", T0 + 600_000), lease("b", T0)],
    });
    expect(actions).toEqual([
      { type: "update", resource: NODES, object: node("a", { ready: "True" }) },
      { type: "requeue", afterMs: 3_000_001 },
    ]);
  });
});

describe("pods on an unreachable node", () => {
  it("are marked not Ready with a NodeNotReady event, in the pass that marks the node", () => {
    const b = node("b", { ready: "True" });
    const ready = pod("web", "b");
    const now = T0 + 3_600_001;
    const actions = planNodeLifecycle({
      nodes: [b],
      leases: [lease("b", T0)],
      pods: [ready],
      now,
      startedAt: LONG_AGO,
      config,
    });
    const marked = structuredClone(ready);
    (marked.status as { conditions: PodCondition[] }).conditions[0] = {
      type: "Ready",
      status: "False",
      lastTransitionTime: at(now),
    };
    expect(actions.slice(2)).toEqual([
      { type: "updateStatus", resource: PODS, object: marked },
      {
        type: "event",
        event: {
          regarding: ready,
          type: "Warning",
          reason: "NodeNotReady",
          message: "Node is not ready",
          source: "node-controller",
        },
      },
      { type: "requeue", afterMs: 1_000 },
    ]);
  });

  it("combine the not-Ready mark and the eviction in one status write", () => {
    const ready = pod("web", "a");
    const now = T0 + 300_000;
    const [status, deletion, eviction] = evicted(ready, now);
    if (status?.type !== "updateStatus") throw new Error("expected a status write first");
    const conditions = (status.object.status as { conditions: PodCondition[] }).conditions;
    conditions[0] = { type: "Ready", status: "False", lastTransitionTime: at(now) };
    expect(run([ready], now)).toEqual([
      status,
      {
        type: "event",
        event: {
          regarding: ready,
          type: "Warning",
          reason: "NodeNotReady",
          message: "Node is not ready",
          source: "node-controller",
        },
      },
      deletion,
      eviction,
      LEASE_RUNS_OUT,
    ]);
  });
});

describe("which pods a pass needs", () => {
  it("names the unreachable and NoExecute-tainted nodes, and their pods are all the plan acts on", () => {
    const dedicated: Taint = { key: "dedicated", value: "gpu", effect: "NoExecute" };
    const nodes = [
      down, // Unknown, tainted unreachable
      up, // healthy
      node("c", { ready: "True", taints: [dedicated] }), // healthy, but pods without the toleration go
      node("d", { ready: "True" }), // its lease runs out in this pass
    ];
    const leases = [lease("b", T0), lease("c", T0), lease("d", LONG_AGO)];
    const pods = ["a", "b", "c", "d", "ghost"].map((n) => pod(`p-${n}`, n));
    const base = { nodes, leases, now: T0 + 400_000, startedAt: LONG_AGO, config };
    const work = nodesWithPodWork(base);
    expect([...work].sort()).toEqual(["a", "c", "d"]);
    // Pods on nodes that do not exist are the host's to add (it knows which node names pods use).
    const existing = new Set(nodes.map((n) => n.metadata.name));
    const needed = pods.filter((p) => {
      const on = (p.spec as { nodeName: string }).nodeName;
      return work.has(on) || !existing.has(on);
    });
    expect(needed.map((p) => p.metadata.name)).toEqual(["p-a", "p-c", "p-d", "p-ghost"]);
    const actions = planNodeLifecycle({ ...base, pods });
    expect(actions.filter((a) => a.type === "delete").length).toBe(3);
    expect(planNodeLifecycle({ ...base, pods: needed })).toEqual(actions);
  });
});

describe("purity", () => {
  it("never changes its inputs", () => {
    const nodes = [down, up, node("c", { ready: "True" })];
    const pods = [pod("x", "a"), pod("y", "ghost"), pod("z", "c")];
    const leases = [lease("b", T0), lease("c", LONG_AGO)];
    const input = { nodes, pods, leases, now: T0 + 400_000, startedAt: LONG_AGO };
    const snapshot = structuredClone(input);
    const actions = planNodeLifecycle(input);
    expect(actions.length).toBeGreaterThan(3);
    expect(input).toEqual(snapshot);
  });
});
