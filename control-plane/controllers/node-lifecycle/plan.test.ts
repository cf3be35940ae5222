import { describe, expect, it } from "vitest";
import type { NodeCondition, Taint } from "../../../schemas/core/node.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { type Action, NODES, PODS } from "../types.ts";
import { type NodeLifecycleInput, planNodeLifecycle } from "./plan.ts";
import {
  at,
  LONG_AGO,
  lease,
  NOT_READY_NS,
  node,
  notReady,
  pod,
  T0,
  UNREACHABLE_NS,
  unreachable,
} from "./test-fixtures.ts";

const GRACE = 40_000;

function run(partial: Partial<NodeLifecycleInput> & { now: number }): Action[] {
  return planNodeLifecycle({ nodes: [], leases: [], pods: [], startedAt: LONG_AGO, ...partial });
}

function withTaints(n: KubeObject, taints: Taint[]): KubeObject {
  const next = structuredClone(n);
  next.spec = { ...(next.spec as object), taints };
  return next;
}

function statusUnknown(n: KubeObject, now: number): KubeObject {
  const next = structuredClone(n);
  const conditions = (next.status as { conditions: NodeCondition[] }).conditions;
  for (const c of conditions) {
    Object.assign(c, {
      status: "Unknown",
      reason: "NodeStatusUnknown",
      message: "Kubelet stopped posting node status.",
      lastTransitionTime: at(now),
    });
  }
  return next;
}

function nodeNotReadyEvent(name: string): Action {
  return {
    type: "event",
    event: {
      regarding: { apiVersion: "v1", kind: "Node", metadata: { name, uid: name } },
      type: "Normal",
      reason: "NodeNotReady",
      message: `Node ${name} status is now: NodeNotReady`,
      source: "node-controller",
    },
  };
}

describe("node liveness", () => {
  const a = node("a", { ready: "True" });
  const b = node("b", { ready: "True" });

  it("keeps a node through its grace period, boundary included, and requeues for its end", () => {
    const now = T0 + GRACE;
    expect(run({ nodes: [a, b], leases: [lease("a", T0), lease("b", now)], now })).toEqual([
      { type: "requeue", afterMs: 1 },
    ]);
  });

  it("marks a node Unknown one millisecond after its grace period, with the NodeNotReady event", () => {
    const now = T0 + GRACE + 1;
    expect(run({ nodes: [a, b], leases: [lease("a", T0), lease("b", now)], now })).toEqual([
      { type: "updateStatus", resource: NODES, object: statusUnknown(a, now) },
      nodeNotReadyEvent("a"),
      { type: "requeue", afterMs: 1_000 },
    ]);
  });

  it("after a control plane restart every node gets a fresh grace period", () => {
    const startedAt = T0 + 100_000;
    const leases = [lease("a", T0), lease("b", T0 + 120_000)];
    expect(run({ nodes: [a, b], leases, startedAt, now: T0 + 120_000 })).toEqual([
      { type: "requeue", afterMs: 20_001 },
    ]);
    const now = startedAt + GRACE + 1;
    const actions = run({ nodes: [a, b], leases: [lease("a", T0), lease("b", now)], startedAt, now });
    expect(actions.slice(0, 2)).toEqual([
      { type: "updateStatus", resource: NODES, object: statusUnknown(a, now) },
      nodeNotReadyEvent("a"),
    ]);
  });

  it("falls back to the Ready heartbeat without a lease, and prefers the host's observation times", () => {
    const beating = node("a", { ready: "True", since: T0 });
    expect(run({ nodes: [beating], now: T0 + 30_000 })).toEqual([{ type: "requeue", afterMs: 10_001 }]);
    const observedAt = new Map([["a", T0 + 20_000]]);
    expect(run({ nodes: [a], leases: [lease("a", LONG_AGO)], observedAt, now: T0 + 30_000 })).toEqual([
      { type: "requeue", afterMs: 30_001 },
    ]);
  });

  it("gives a node that never posted status the startup grace, then marks it never updated", () => {
    const fresh = node("c", { created: T0 });
    expect(run({ nodes: [fresh], now: T0 + 60_000 })).toEqual([{ type: "requeue", afterMs: 1 }]);
    const now = T0 + 60_001;
    const never = (type: string): NodeCondition => ({
      type,
      status: "Unknown",
      reason: "NodeStatusNeverUpdated",
      message: "Kubelet never posted node status.",
      lastTransitionTime: at(now),
      lastHeartbeatTime: at(T0),
    });
    const expected = structuredClone(fresh);
    expected.status = { conditions: ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"].map(never) };
    expect(run({ nodes: [fresh], now })).toEqual([
      { type: "updateStatus", resource: NODES, object: expected },
      { type: "requeue", afterMs: 1_000 },
    ]);
  });
});

describe("node taints", () => {
  const now = T0;
  const healthy = node("h", { ready: "True" });
  const leases = [lease("h", now), lease("a", now)];
  const cases: [string, KubeObject, Taint[]][] = [
    [
      "an unreachable node gets the unreachable taints",
      node("a", { ready: "Unknown" }),
      [UNREACHABLE_NS, unreachable(now)],
    ],
    [
      "a node reporting NotReady gets the not-ready taints",
      node("a", { ready: "False" }),
      [NOT_READY_NS, notReady(now)],
    ],
    [
      "a node that comes back loses the taints (others' taints stay)",
      node("a", {
        ready: "True",
        taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }, UNREACHABLE_NS, unreachable(T0 - 60_000)],
      }),
      [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }],
    ],
    [
      "not-ready turns into unreachable at once (no rate limit), with a new timeAdded",
      node("a", { ready: "Unknown", taints: [NOT_READY_NS, notReady(T0 - 60_000)] }),
      [UNREACHABLE_NS, unreachable(now)],
    ],
    [
      "a cordoned node gets the unschedulable taint",
      node("a", { ready: "True", unschedulable: true }),
      [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }],
    ],
  ];
  it.each(cases)("%s", (_name, a, taints) => {
    const actions = run({ nodes: [a, healthy], leases, now });
    expect(actions.filter((x) => x.type === "update")).toEqual([
      { type: "update", resource: NODES, object: withTaints(a, taints) },
    ]);
  });

  it("leaves a node alone when its taints already match", () => {
    const a = node("a", { ready: "Unknown", taints: [UNREACHABLE_NS, unreachable(T0 - 60_000)] });
    expect(run({ nodes: [a, healthy], leases, now }).filter((x) => x.type === "update")).toEqual([]);
  });

  it("rate-limits new NoExecute taints per zone: longest-unhealthy first, one per 10 s", () => {
    const a = node("a", { ready: "Unknown", since: T0 - 20_000 });
    const b = node("b", { ready: "Unknown", since: T0 - 10_000 });
    const ok = ["c", "d", "e"].map((n) => node(n, { ready: "True" }));
    const all = ["a", "b", "c", "d", "e"].map((n) => lease(n, n < "c" ? LONG_AGO : T0));
    expect(run({ nodes: [b, a, ...ok], leases: all, now: T0 })).toEqual([
      { type: "update", resource: NODES, object: withTaints(b, [UNREACHABLE_NS]) },
      { type: "update", resource: NODES, object: withTaints(a, [UNREACHABLE_NS, unreachable(T0)]) },
      { type: "requeue", afterMs: 10_000 },
    ]);
    const tainted = withTaints(a, [UNREACHABLE_NS, unreachable(T0)]);
    const waiting = withTaints(b, [UNREACHABLE_NS]);
    expect(run({ nodes: [waiting, tainted, ...ok], leases: all, now: T0 + 4_000 })).toEqual([
      { type: "requeue", afterMs: 6_000 },
    ]);
    expect(run({ nodes: [waiting, tainted, ...ok], leases: all, now: T0 + 10_000 })).toEqual([
      { type: "update", resource: NODES, object: withTaints(b, [UNREACHABLE_NS, unreachable(T0 + 10_000)]) },
      { type: "requeue", afterMs: 30_001 },
    ]);
  });

  it("partial disruption in a small cluster: NoSchedule taints only, no new NoExecute", () => {
    const down = ["a", "b", "c"].map((n) => node(n, { ready: "Unknown" }));
    const up = node("d", { ready: "True" });
    expect(run({ nodes: [...down, up], leases: [lease("d", T0)], now: T0 })).toEqual([
      ...down.map((n) => ({ type: "update", resource: NODES, object: withTaints(n, [UNREACHABLE_NS]) })),
      { type: "requeue", afterMs: GRACE + 1 },
    ]);
  });
});

describe("full disruption", () => {
  it("when every node is unreachable, NoExecute taints come off and nothing is evicted", () => {
    const tainted = [UNREACHABLE_NS, unreachable(T0)];
    const a = node("a", { ready: "Unknown", taints: tainted });
    const b = node("b", { ready: "Unknown", taints: tainted });
    const pods = [pod("p", "a", { ready: false }), pod("q", "b", { ready: false })];
    expect(run({ nodes: [a, b], pods, now: T0 + 600_000 })).toEqual([
      { type: "update", resource: NODES, object: withTaints(a, [UNREACHABLE_NS]) },
      { type: "update", resource: NODES, object: withTaints(b, [UNREACHABLE_NS]) },
    ]);
  });

  it("is judged with this pass's status: the last node going dark stops evictions at once", () => {
    const a = node("a", { ready: "Unknown", taints: [UNREACHABLE_NS, unreachable(T0)] });
    const b = node("b", { ready: "True" });
    const now = T0 + 600_000;
    expect(run({ nodes: [a, b], leases: [lease("b", T0)], pods: [pod("p", "a", { ready: false })], now })).toEqual([
      { type: "updateStatus", resource: NODES, object: statusUnknown(b, now) },
      nodeNotReadyEvent("b"),
      { type: "update", resource: NODES, object: withTaints(a, [UNREACHABLE_NS]) },
      { type: "requeue", afterMs: 1_000 },
    ]);
  });
});

describe("pods of a deleted node", () => {
  it("are failed and force-deleted (terminal ones only deleted)", () => {
    const running = pod("r", "ghost");
    const done = pod("d", "ghost", { phase: "Succeeded", ready: false });
    const failed = structuredClone(running);
    failed.status = {
      phase: "Failed",
      conditions: [
        { type: "Ready", status: "True", lastTransitionTime: at(LONG_AGO) },
        {
          type: "DisruptionTarget",
          status: "True",
          reason: "DeletionByPodGC",
          message: "PodGC: node no longer exists",
          lastTransitionTime: at(T0),
        },
      ],
    };
    expect(run({ pods: [running, done], now: T0 })).toEqual([
      { type: "updateStatus", resource: PODS, object: failed },
      { type: "delete", resource: PODS, namespace: "default", name: "r", uid: "r-uid", gracePeriodSeconds: 0 },
      { type: "delete", resource: PODS, namespace: "default", name: "d", uid: "d-uid", gracePeriodSeconds: 0 },
    ]);
  });
});

describe("config", () => {
  it("names the field it refuses", () => {
    expect(() => run({ now: T0, config: { gracePeriodMs: -1 } })).toThrow(/config\.gracePeriodMs/);
    expect(() => run({ now: T0, config: { unhealthyZoneThreshold: 2 } })).toThrow(/config\.unhealthyZoneThreshold/);
  });
});
