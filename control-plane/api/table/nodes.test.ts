import { describe, expect, it } from "vitest";
import { nodePrinter, nodeRoles, nodeStatus } from "./nodes.ts";
import { NOW, obj } from "./testing.ts";

const node = (
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  labels: Record<string, string> = {},
) => obj("v1", "Node", { spec, status }, { name: "pi-1", namespace: undefined, labels });
const ready = (s: string) => ({
  conditions: [
    { type: "MemoryPressure", status: "False" },
    { type: "Ready", status: s },
  ],
});

describe("node status", () => {
  it.each([
    ["ready", node(ready("True")), "Ready"],
    ["not ready", node(ready("False")), "NotReady"],
    ["ready unknown (node stopped reporting)", node(ready("Unknown")), "NotReady"],
    ["no Ready condition", node({ conditions: [{ type: "MemoryPressure", status: "False" }] }), "Unknown"],
    ["no status", node({}), "Unknown"],
    ["cordoned", node(ready("True"), { unschedulable: true }), "Ready,SchedulingDisabled"],
    ["cordoned and down", node(ready("False"), { unschedulable: true }), "NotReady,SchedulingDisabled"],
    ["cordoned, never reported", node({}, { unschedulable: true }), "Unknown,SchedulingDisabled"],
  ])("%s", (_name, n, want) => {
    expect(nodeStatus(n)).toBe(want);
  });
});

describe("node roles", () => {
  it.each([
    [{}, "<none>"],
    [{ "node-role.kubernetes.io/control-plane": "" }, "control-plane"],
    [{ "node-role.kubernetes.io/worker": "true", "node-role.kubernetes.io/edge": "" }, "edge,worker"],
    [{ "kubernetes.io/role": "master" }, "master"],
    [{ "kubernetes.io/role": "" }, "<none>"],
    [{ "node-role.kubernetes.io/": "" }, "<none>"],
    [{ "kubernetes.io/role": "gpu", "node-role.kubernetes.io/gpu": "", "node-role.kubernetes.io/a": "" }, "a,gpu"],
    [{ "kubernetes.io/hostname": "pi-1" }, "<none>"],
  ])("%j -> %s", (labels, want) => {
    expect(nodeRoles(labels)).toBe(want);
  });
});

describe("node row", () => {
  it("prints version, addresses and system info", () => {
    const n = node(
      {
        ...ready("True"),
        addresses: [
          { type: "Hostname", address: "pi-1" },
          { type: "InternalIP", address: "192.168.1.20" },
          { type: "ExternalIP", address: "203.0.113.20" },
          { type: "InternalIP", address: "fd00::20" },
        ],
        nodeInfo: {
          kubeletVersion: "v1.35.0-kflare",
          osImage: "Debian GNU/Linux 12 (bookworm)",
          kernelVersion: "6.6.31+rpt-rpi-v8",
          containerRuntimeVersion: "containerd://2.0.0",
        },
      },
      {},
      { "node-role.kubernetes.io/edge": "" },
    );
    expect(nodePrinter.print(n, NOW).cells).toEqual([
      "pi-1",
      "Ready",
      "edge",
      "5m",
      "v1.35.0-kflare",
      "192.168.1.20",
      "203.0.113.20",
      "Debian GNU/Linux 12 (bookworm)",
      "6.6.31+rpt-rpi-v8",
      "containerd://2.0.0",
    ]);
  });

  it("fills <none> and <unknown> for a node that never reported", () => {
    expect(nodePrinter.print(node({}), NOW).cells).toEqual([
      "pi-1",
      "Unknown",
      "<none>",
      "5m",
      "",
      "<none>",
      "<none>",
      "<unknown>",
      "<unknown>",
      "<unknown>",
    ]);
  });

  it("has upstream's columns", () => {
    expect(nodePrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Name:0",
      "Status:0",
      "Roles:0",
      "Age:0",
      "Version:0",
      "Internal-IP:1",
      "External-IP:1",
      "OS-Image:1",
      "Kernel-Version:1",
      "Container-Runtime:1",
    ]);
  });
});
