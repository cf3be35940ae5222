import { describe, expect, it } from "vitest";
import { makeNode, makePod, type PortSpec, runFilter, snapshotOf } from "../testing.ts";
import { nodePorts, REASON_NODE_PORTS } from "./node-ports.ts";

describe("NodePorts", () => {
  const cases: [string, PortSpec[], PortSpec[], boolean][] = [
    ["no host ports", [], [80], true],
    ["a free port", [8080], [80], true],
    ["the same port", [80], [80], false],
    ["same port, other protocol", [{ port: 53, protocol: "UDP" }], [{ port: 53, protocol: "TCP" }], true],
    ["same port and protocol (UDP)", [{ port: 53, protocol: "UDP" }], [{ port: 53, protocol: "UDP" }], false],
    ["same port, different addresses", [{ port: 80, hostIP: "10.0.0.1" }], [{ port: 80, hostIP: "10.0.0.2" }], true],
    ["same port, same address", [{ port: 80, hostIP: "10.0.0.1" }], [{ port: 80, hostIP: "10.0.0.1" }], false],
    ["wants every address, one is taken", [80], [{ port: 80, hostIP: "10.0.0.1" }], false],
    ["wants one address, every address is taken", [{ port: 80, hostIP: "10.0.0.1" }], [80], false],
  ];

  it.each(cases)("%s", (_, wanted, used, fits) => {
    const snapshot = snapshotOf([makeNode("n")], [makePod("running", { nodeName: "n", hostPorts: used })]);
    const status = runFilter(nodePorts, snapshot, makePod("p", { hostPorts: wanted }), "n");
    expect(status?.reasons).toEqual(fits ? undefined : [REASON_NODE_PORTS]);
    if (status) expect(status.code).toBe("Unschedulable");
  });

  it("counts sidecars' ports but not ordinary init containers'", () => {
    const port = [{ containerPort: 9000, hostPort: 9000 }];
    const snapshot = snapshotOf(
      [makeNode("n")],
      [
        makePod("sidecar", {
          nodeName: "n",
          initContainers: [{ name: "proxy", restartPolicy: "Always", ports: port }],
        }),
        makePod("init", {
          nodeName: "n",
          initContainers: [{ name: "setup", ports: [{ containerPort: 9001, hostPort: 9001 }] }],
        }),
      ],
    );
    expect(runFilter(nodePorts, snapshot, makePod("p", { hostPorts: [9000] }), "n")?.reasons).toEqual([
      REASON_NODE_PORTS,
    ]);
    expect(runFilter(nodePorts, snapshot, makePod("q", { hostPorts: [9001] }), "n")).toBeUndefined();
  });

  it("ignores finished pods", () => {
    const snapshot = snapshotOf(
      [makeNode("n")],
      [makePod("done", { nodeName: "n", hostPorts: [80], phase: "Succeeded" })],
    );
    expect(runFilter(nodePorts, snapshot, makePod("p", { hostPorts: [80] }), "n")).toBeUndefined();
  });
});
