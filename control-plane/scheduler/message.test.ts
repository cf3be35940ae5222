import { describe, expect, it } from "vitest";
import { fitErrorMessage, type NodeStatus, nodesAvailable, preemptionMessage, reasonsHistogram } from "./message.ts";
import { makeNode, makePod, snapshotOf } from "./testing.ts";
import type { Status } from "./types.ts";

const status = (code: Status["code"], ...reasons: string[]): Status => ({ code, reasons, plugin: "Test" });

describe("scheduling failure messages", () => {
  const snapshot = snapshotOf(
    Array.from({ length: 12 }, (_, i) => makeNode(`n${i}`)),
    [makePod("low", { nodeName: "n0", priority: -10 })],
  );
  const pod = snapshot.podInfo(makePod("p"));
  const on = (i: number, s: Status): NodeStatus => ({
    node: snapshot.nodes.find((n) => n.name === `n${i}`)!,
    status: s,
  });

  it("counts each reason once per node and sorts the counts as strings", () => {
    const statuses = [
      ...Array.from({ length: 10 }, (_, i) => on(i + 2, status("Unschedulable", "Insufficient cpu"))),
      on(1, status("UnschedulableAndUnresolvable", "node(s) had untolerated taint(s)")),
      on(0, status("Unschedulable", "Insufficient cpu", "Insufficient memory")),
    ];
    expect(reasonsHistogram(statuses)).toEqual({
      "Insufficient cpu": 11,
      "Insufficient memory": 1,
      "node(s) had untolerated taint(s)": 1,
    });
    // Byte order, as Go's sort.Strings: "1 Insufficient" < "1 node(s)" < "11 Insufficient" (space < digit).
    expect(fitErrorMessage(pod, 12, statuses, undefined)).toBe(
      "0/12 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint(s), 11 Insufficient cpu.",
    );
  });

  it("explains why preemption cannot help", () => {
    const statuses = [
      on(1, status("Unschedulable", "Insufficient cpu")),
      on(2, status("Unschedulable", "Insufficient cpu")),
      on(3, status("UnschedulableAndUnresolvable", "node(s) were unschedulable")),
    ];
    expect(fitErrorMessage(pod, 3, statuses, undefined)).toBe(
      "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. no new claims to deallocate, " +
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, " +
        "2 No preemption victims found for incoming pod.",
    );
  });

  it("says nothing of preemption when lower-priority pods could be evicted", () => {
    expect(preemptionMessage(pod, 1, [on(0, status("Unschedulable", "Insufficient cpu"))])).toBeUndefined();
    const low = snapshot.podInfo(makePod("q", { priority: -10 }));
    expect(preemptionMessage(low, 1, [on(0, status("Unschedulable", "Insufficient cpu"))])).toBe(
      "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    );
  });

  it("honours preemptionPolicy Never", () => {
    const never = snapshot.podInfo(makePod("q", { spec: { preemptionPolicy: "Never" } }));
    expect(fitErrorMessage(never, 1, [on(1, status("Unschedulable", "Insufficient cpu"))], undefined)).toBe(
      "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: not eligible due to preemptionPolicy=Never.",
    );
  });

  it("puts a PreFilter rejection in place of the per-node reasons", () => {
    const reject = status("UnschedulableAndUnresolvable", 'RuntimeClass "gvisor" not found');
    const statuses = [on(1, reject), on(2, reject)];
    expect(fitErrorMessage(pod, 2, statuses, reject)).toBe(
      '0/2 nodes are available: RuntimeClass "gvisor" not found. no new claims to deallocate, ' +
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
  });

  it("formats the head", () => {
    expect(nodesAvailable(3, "3 Insufficient cpu")).toBe("0/3 nodes are available: 3 Insufficient cpu.");
  });
});
