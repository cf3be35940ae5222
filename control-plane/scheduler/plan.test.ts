import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../schemas/object.ts";
import type { Action } from "../controllers/types.ts";
import { planScheduling, type SchedulingInput } from "./plan.ts";
import { makeNode, makePod, makeRuntimeClass, taint } from "./testing.ts";

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const TAIL = "no new claims to deallocate, preemption:";

function plan(input: Partial<SchedulingInput>): Action[] {
  return planScheduling({ pending: [], nodes: [], pods: [], runtimeClasses: [], now: NOW, random: () => 0, ...input });
}

function binds(actions: Action[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of actions) if (a.type === "bind") out[a.name] = a.nodeName;
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe("planScheduling", () => {
  it("binds a pod and records a Scheduled event", () => {
    const pod = makePod("web-1", { cpu: "100m" });
    expect(plan({ pending: [pod], nodes: [makeNode("node-1")] })).toEqual([
      { type: "bind", namespace: "default", name: "web-1", uid: "uid-web-1", nodeName: "node-1" },
      {
        type: "event",
        event: {
          regarding: pod,
          type: "Normal",
          reason: "Scheduled",
          message: "Successfully assigned default/web-1 to node-1",
          source: "default-scheduler",
        },
      },
    ]);
  });

  it("spreads a ReplicaSet's replicas over distinct nodes", () => {
    const nodes = ["n1", "n2", "n3"].map((n) => makeNode(n));
    const pending = ["web-a", "web-b", "web-c"].map((n) =>
      makePod(n, { owner: "rs-web", cpu: "100m", memory: "128Mi" }),
    );
    for (const r of [0, 0.3, 0.6, 0.99]) {
      expect(new Set(Object.values(binds(plan({ pending, nodes, random: () => r })))).size).toBe(3);
    }
  });

  it("spreads even where the least-allocated score prefers one big node", () => {
    const nodes = [makeNode("big", { cpu: "64", memory: "256Gi" }), makeNode("s1"), makeNode("s2")];
    const pending = ["web-a", "web-b", "web-c"].map((n) =>
      makePod(n, { owner: "rs-web", cpu: "100m", memory: "128Mi" }),
    );
    expect(new Set(Object.values(binds(plan({ pending, nodes })))).size).toBe(3);
    // Without a controller there is nothing to spread: the big node takes them all.
    const loose = ["a", "b", "c"].map((n) => makePod(n, { cpu: "100m", memory: "128Mi" }));
    expect(new Set(Object.values(binds(plan({ pending: loose, nodes }))))).toEqual(new Set(["big"]));
  });

  it("charges pods assumed earlier in the same plan", () => {
    const pending = ["a", "b", "c"].map((n, i) => makePod(n, { cpu: "400m", created: `2026-01-01T00:00:0${i}Z` }));
    const actions = plan({ pending, nodes: [makeNode("n", { cpu: "1" })] });
    expect(binds(actions)).toEqual({ a: "n", b: "n" });
    const failed = actions.find((a) => a.type === "event" && a.event.reason === "FailedScheduling");
    expect(failed?.type === "event" && failed.event.message).toBe(
      `0/1 nodes are available: 1 Insufficient cpu. ${TAIL} 0/1 nodes are available: 1 No preemption victims found for incoming pod.`,
    );
  });

  it("charges bound pods, but not finished ones", () => {
    const nodes = [makeNode("n", { cpu: "1" })];
    const running = makePod("running", { nodeName: "n", cpu: "800m" });
    const done = makePod("done", { nodeName: "n", cpu: "800m", phase: "Succeeded" });
    const failed = makePod("failed", { nodeName: "n", cpu: "800m", phase: "Failed" });
    expect(binds(plan({ pending: [makePod("p", { cpu: "400m" })], nodes, pods: [running] }))).toEqual({});
    expect(binds(plan({ pending: [makePod("p", { cpu: "400m" })], nodes, pods: [done, failed] }))).toEqual({ p: "n" });
  });

  it("counts a pod with no requests toward the node's pod limit", () => {
    const nodes = [makeNode("n", { pods: "2" })];
    const actions = plan({ pending: ["a", "b", "c"].map((n) => makePod(n)), nodes, pods: [] });
    expect(Object.keys(binds(actions))).toHaveLength(2);
    expect(
      actions.some(
        (a) => a.type === "event" && a.event.message.startsWith("0/1 nodes are available: 1 Too many pods."),
      ),
    ).toBe(true);
  });

  it("places higher priority first, then older pods", () => {
    const nodes = [makeNode("n", { cpu: "1" })];
    const pending = [
      makePod("old-low", { cpu: "1", created: "2026-01-01T00:00:00Z" }),
      makePod("new-high", { cpu: "1", priority: 1000, created: "2026-01-02T00:00:00Z" }),
    ];
    expect(binds(plan({ pending, nodes }))).toEqual({ "new-high": "n" });
    const equal = [makePod("newer", { cpu: "1", created: "2026-01-02T00:00:00Z" }), makePod("older", { cpu: "1" })];
    expect(binds(plan({ pending: equal, nodes }))).toEqual({ older: "n" });
  });

  it("leaves alone pods that are not the default scheduler's to place", () => {
    const pending = [
      makePod("bound", { spec: { nodeName: "elsewhere" } }),
      makePod("custom", { spec: { schedulerName: "my-scheduler" } }),
      makePod("deleted", { terminating: true }),
      makePod("gated", { spec: { schedulingGates: [{ name: "wait" }] } }),
      makePod("finished", { phase: "Succeeded" }),
    ];
    expect(plan({ pending, nodes: [makeNode("n")] })).toEqual([]);
  });

  it("sets PodScheduled=False with the message, only when it changed", () => {
    const pod = makePod("p", { cpu: "8" });
    const nodes = [makeNode("n")];
    const message = `0/1 nodes are available: 1 Insufficient cpu. ${TAIL} 0/1 nodes are available: 1 Preemption is not helpful for scheduling.`;
    const first = plan({ pending: [pod], nodes });
    expect(first).toEqual([
      {
        type: "updateStatus",
        resource: { group: "", version: "v1", plural: "pods" },
        object: {
          ...pod,
          status: {
            phase: "Pending",
            conditions: [
              {
                type: "PodScheduled",
                status: "False",
                lastTransitionTime: "2026-03-01T12:00:00Z",
                reason: "Unschedulable",
                message,
              },
            ],
          },
        },
      },
      {
        type: "event",
        event: { regarding: pod, type: "Warning", reason: "FailedScheduling", message, source: "default-scheduler" },
      },
    ]);
    const updated = (first[0] as { object: KubeObject }).object;
    const again = plan({ pending: [updated], nodes, now: NOW + 60_000 });
    expect(again.map((a) => a.type)).toEqual(["event"]);
    // A new message rewrites the condition but keeps its transition time.
    const changed = plan({ pending: [updated], nodes: [makeNode("n"), makeNode("m")], now: NOW + 60_000 });
    const status = (changed[0] as { object: KubeObject }).object.status as {
      conditions: { lastTransitionTime: string; message: string }[];
    };
    expect(status.conditions[0]?.lastTransitionTime).toBe("2026-03-01T12:00:00Z");
    expect(status.conditions[0]?.message).toMatch(/^0\/2 nodes are available: 2 Insufficient cpu\./);
  });

  it("keeps pods off cordoned, NoExecute-tainted and not-ready nodes", () => {
    const nodes = [
      makeNode("cordoned", { unschedulable: true }),
      makeNode("evicting", { taints: [taint("maintenance", "NoExecute")] }),
      makeNode("not-ready", { taints: [taint("node.kubernetes.io/not-ready", "NoSchedule")] }),
      makeNode("ok", { cpu: "1" }),
    ];
    expect(binds(plan({ pending: [makePod("p")], nodes }))).toEqual({ p: "ok" });
    const tolerant = makePod("t", {
      cpu: "2",
      tolerations: [{ key: "maintenance", operator: "Exists", effect: "NoExecute" }],
    });
    expect(binds(plan({ pending: [tolerant], nodes }))).toEqual({ t: "evicting" });
  });

  it("places a RuntimeClass pod only where its handler runs", () => {
    const nodes = [
      makeNode("containerd", { handlers: ["", "runc"] }),
      makeNode("wasm", { handlers: ["", "wasmtime"] }),
    ];
    const pending = [makePod("w", { runtimeClassName: "wasm" })];
    expect(binds(plan({ pending, nodes, runtimeClasses: [makeRuntimeClass("wasm", "wasmtime")] }))).toEqual({
      w: "wasm",
    });
  });

  it("honours hostname anti-affinity between replicas of the same plan", () => {
    const anti = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { app: "db" } }, topologyKey: "kubernetes.io/hostname" },
        ],
      },
    };
    const pending = ["db-0", "db-1", "db-2"].map((n, i) =>
      makePod(n, { labels: { app: "db" }, affinity: anti, created: `2026-01-01T00:00:0${i}Z` }),
    );
    const actions = plan({ pending, nodes: [makeNode("n1"), makeNode("n2")] });
    expect(Object.keys(binds(actions)).sort()).toEqual(["db-0", "db-1"]);
    const failed = actions.find((a) => a.type === "event" && a.event.reason === "FailedScheduling");
    expect(failed?.type === "event" && failed.event.message).toBe(
      `0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. ${TAIL} 0/2 nodes are available: 2 No preemption victims found for incoming pod.`,
    );
  });

  it("rejects host port conflicts with pods placed in the same plan", () => {
    const pending = ["a", "b"].map((n, i) => makePod(n, { hostPorts: [80], created: `2026-01-01T00:00:0${i}Z` }));
    expect(binds(plan({ pending, nodes: [makeNode("n")] }))).toEqual({ a: "n" });
  });

  it("is pure: frozen inputs, same answer for the same random source", () => {
    const input = deepFreeze({
      pending: ["a", "b", "c", "d"].map((n) => makePod(n, { owner: "rs", cpu: "100m" })),
      nodes: ["n1", "n2", "n3"].map((n) => makeNode(n)),
      pods: [makePod("x", { nodeName: "n1", cpu: "1" })],
      runtimeClasses: [],
      now: NOW,
    });
    const seeded = () => {
      let s = 42;
      return () => {
        s = (s * 16807) % 2147483647;
        return s / 2147483647;
      };
    };
    const first = planScheduling({ ...input, random: seeded() });
    expect(planScheduling({ ...input, random: seeded() })).toEqual(first);
    expect(Object.keys(binds(first))).toHaveLength(4);
  });
});
