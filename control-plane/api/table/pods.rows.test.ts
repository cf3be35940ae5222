// Pod rows: sidecar accounting, the RESTARTS cell, wide columns and row conditions.

import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { initSpec, one, pod, ready, running, two } from "./pods.fixtures.ts";
import { formatRestarts, podPrinter, summarizePod } from "./pods.ts";
import { ago, MINUTE as MIN, NOW } from "./testing.ts";

describe("sidecars (restartable init containers)", () => {
  const spec = {
    initContainers: [{ name: "proxy", image: "envoy", restartPolicy: "Always" }],
    containers: [{ name: "app", image: "nginx" }],
  };

  it("count towards READY and total once started", () => {
    const p = pod(spec, {
      phase: "Running",
      conditions: [{ type: "Initialized", status: "True" }],
      initContainerStatuses: [{ name: "proxy", started: true, ready: true, restartCount: 2, state: running }],
      containerStatuses: [ready()],
    });
    expect(summarizePod(p)).toMatchObject({ reason: "Running", ready: 2, total: 2, restarts: 2 });
  });

  it("hold the pod in Init until started", () => {
    const p = pod(spec, {
      phase: "Pending",
      initContainerStatuses: [{ name: "proxy", started: false, ready: false, state: running }],
    });
    expect(summarizePod(p)).toMatchObject({ reason: "Init:0/1", ready: 0, total: 2 });
  });
});

describe("restarts", () => {
  it("sums container restarts and says when the last one happened", () => {
    const p = pod(two, {
      phase: "Running",
      containerStatuses: [
        ready("a", { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * MIN) } } }),
        ready("b", { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * MIN) } } }),
      ],
    });
    expect(podPrinter.print(p, NOW).cells[3]).toBe("3 (2m ago)");
  });

  it("prints the bare count when no restart time is known", () => {
    const p = pod(one, { phase: "Running", containerStatuses: [ready("app", { restartCount: 4 })] });
    expect(podPrinter.print(p, NOW).cells[3]).toBe("4");
  });

  it("counts init container restarts while initializing, and drops them once initialized", () => {
    const initRestarts = {
      name: "init-0",
      restartCount: 5,
      lastState: { terminated: { exitCode: 1, finishedAt: ago(30_000) } },
      state: { waiting: { reason: "CrashLoopBackOff" } },
    };
    const initializing = pod(initSpec(1), { phase: "Pending", initContainerStatuses: [initRestarts] });
    expect(podPrinter.print(initializing, NOW).cells[3]).toBe("5 (30s ago)");

    const done = pod(initSpec(1), {
      phase: "Running",
      conditions: [{ type: "Initialized", status: "True" }],
      initContainerStatuses: [{ ...initRestarts, state: { terminated: { exitCode: 0, reason: "Completed" } } }],
      containerStatuses: [ready()],
    });
    expect(podPrinter.print(done, NOW).cells[3]).toBe("0");
  });

  it.each([
    [0, undefined, "0"],
    [0, NOW - MIN, "0"],
    [7, undefined, "7"],
    [7, NOW - 90_000, "7 (90s ago)"],
    [1, NOW - 26 * 60 * MIN, "1 (26h ago)"],
  ])("formatRestarts(%d, %s)", (n, last, want) => {
    expect(formatRestarts(n, last, NOW)).toBe(want);
  });
});

describe("pod row", () => {
  it("has every column, wide ones included", () => {
    const p = pod(
      { ...one, nodeName: "node-1", readinessGates: [{ conditionType: "lb/ready" }, { conditionType: "x/ok" }] },
      {
        phase: "Running",
        podIP: "10.0.0.9",
        podIPs: [{ ip: "10.244.0.5" }, { ip: "fd00::5" }],
        nominatedNodeName: "node-2",
        conditions: [
          { type: "lb/ready", status: "True" },
          { type: "x/ok", status: "False" },
        ],
        containerStatuses: [ready()],
      },
    );
    expect(podPrinter.print(p, NOW)).toEqual({
      cells: ["web-1", "1/1", "Running", "0", "5m", "10.244.0.5", "node-1", "node-2", "1/2"],
    });
    expect(podPrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Ready", 0],
      ["Status", 0],
      ["Restarts", 0],
      ["Age", 0],
      ["IP", 1],
      ["Node", 1],
      ["Nominated Node", 1],
      ["Readiness Gates", 1],
    ]);
    expect(podPrinter.columns[0]?.format).toBe("name");
  });

  it("fills <none> for unset wide fields and falls back to podIP", () => {
    const p = pod(one, { phase: "Pending", podIP: "10.0.0.9" });
    expect(podPrinter.print(p, NOW).cells.slice(5)).toEqual(["10.0.0.9", "<none>", "<none>", "<none>"]);
    expect(podPrinter.print(pod(one, {}), NOW).cells.slice(5)).toEqual(["<none>", "<none>", "<none>", "<none>"]);
  });

  it("marks finished pods with a Completed row condition", () => {
    expect(podPrinter.print(pod(one, { phase: "Succeeded" }), NOW).conditions).toEqual([
      { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
    ]);
    expect(podPrinter.print(pod(one, { phase: "Failed" }), NOW).conditions?.[0]?.reason).toBe("Failed");
    expect(podPrinter.print(pod(one, { phase: "Running" }), NOW).conditions).toBeUndefined();
  });

  it("survives junk where objects are expected", () => {
    const junk = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {},
      spec: "nope",
      status: { containerStatuses: [null, 3, { state: null, restartCount: "x" }], conditions: "x" },
    } as KubeObject;
    expect(podPrinter.print(junk, NOW).cells).toEqual([
      "",
      "0/0",
      "",
      "0",
      "<unknown>",
      "<none>",
      "<none>",
      "<none>",
      "<none>",
    ]);
  });
});
