import { describe, expect, it } from "vitest";
import { replicaSetPrinter } from "./replicasets.ts";
import { NOW, obj } from "./testing.ts";

const template = { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } };

describe("replicaset printer", () => {
  it.each([
    [
      "steady",
      { replicas: 3, selector: { matchLabels: { app: "web", "pod-template-hash": "abc" } }, template },
      { replicas: 3, readyReplicas: 3 },
      ["web-abc", 3, 3, 3, "5m", "web", "nginx:1.27", "app=web,pod-template-hash=abc"],
    ],
    [
      "scaling up",
      { replicas: 5, selector: { matchLabels: { app: "web" } }, template },
      { replicas: 2 },
      ["web-abc", 5, 2, 0, "5m", "web", "nginx:1.27", "app=web"],
    ],
    [
      "no status, defaults",
      { template, selector: { matchExpressions: [{ key: "legacy", operator: "DoesNotExist" }] } },
      undefined,
      ["web-abc", 1, 0, 0, "5m", "web", "nginx:1.27", "!legacy"],
    ],
    ["empty selector prints <none>", { replicas: 0, selector: {} }, {}, ["web-abc", 0, 0, 0, "5m", "", "", "<none>"]],
    [
      "unconvertible selector prints <error>",
      { replicas: 0, selector: { matchExpressions: [{ key: "a", operator: "In", values: [] }] } },
      {},
      ["web-abc", 0, 0, 0, "5m", "", "", "<error>"],
    ],
  ])("%s", (_name, spec, status, cells) => {
    const rs = obj("apps/v1", "ReplicaSet", { spec, status }, { name: "web-abc" });
    expect(replicaSetPrinter.print(rs, NOW).cells).toEqual(cells);
  });

  it("has upstream's columns", () => {
    expect(replicaSetPrinter.columns.map((c) => `${c.name}:${c.type}:${c.priority}`)).toEqual([
      "Name:string:0",
      "Desired:integer:0",
      "Current:integer:0",
      "Ready:integer:0",
      "Age:string:0",
      "Containers:string:1",
      "Images:string:1",
      "Selector:string:1",
    ]);
  });
});
