import { describe, expect, it } from "vitest";
import { deploymentPrinter } from "./deployments.ts";
import { NOW, obj } from "./testing.ts";

const template = {
  spec: {
    containers: [
      { name: "web", image: "nginx:1.27" },
      { name: "sidecar", image: "envoy:1.30" },
    ],
  },
};

describe("deployment printer", () => {
  it.each([
    [
      "rolled out",
      { replicas: 3, selector: { matchLabels: { app: "web" } }, template },
      { readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      ["web", "3/3", 3, 3, "5m", "web,sidecar", "nginx:1.27,envoy:1.30", "app=web"],
    ],
    [
      "rolling",
      {
        replicas: 4,
        selector: {
          matchLabels: { tier: "fe", app: "web" },
          matchExpressions: [{ key: "env", operator: "In", values: ["prod", "dev"] }],
        },
        template,
      },
      { readyReplicas: 2, updatedReplicas: 1, availableReplicas: 2 },
      ["web", "2/4", 1, 2, "5m", "web,sidecar", "nginx:1.27,envoy:1.30", "app=web,env in (dev,prod),tier=fe"],
    ],
    [
      "new, no status yet, replicas defaulted",
      { selector: { matchLabels: { app: "web" } }, template },
      undefined,
      ["web", "0/1", 0, 0, "5m", "web,sidecar", "nginx:1.27,envoy:1.30", "app=web"],
    ],
    [
      "scaled to zero",
      { replicas: 0, template },
      {},
      ["web", "0/0", 0, 0, "5m", "web,sidecar", "nginx:1.27,envoy:1.30", ""],
    ],
    [
      "bad selector operator",
      { replicas: 1, selector: { matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] } },
      {},
      ["web", "0/1", 0, 0, "5m", "", "", "<invalid>"],
    ],
  ])("%s", (_name, spec, status, cells) => {
    const d = obj("apps/v1", "Deployment", { spec, status }, { name: "web" });
    expect(deploymentPrinter.print(d, NOW).cells).toEqual(cells);
  });

  it("has upstream's columns", () => {
    expect(deploymentPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Name:0",
      "Ready:0",
      "Up-to-date:0",
      "Available:0",
      "Age:0",
      "Containers:1",
      "Images:1",
      "Selector:1",
    ]);
  });
});
