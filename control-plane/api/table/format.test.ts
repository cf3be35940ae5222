import { describe, expect, it } from "vitest";
import { containerCells, desiredReplicas, formatLabelSelector, formatLabels, labelSelectorString } from "./format.ts";

describe("formatLabels", () => {
  it.each([
    [undefined, "<none>"],
    [{}, "<none>"],
    [{ app: "web" }, "app=web"],
    [{ tier: "fe", app: "web", "app.kubernetes.io/name": "x" }, "app=web,app.kubernetes.io/name=x,tier=fe"],
    [{ a: "1", b: 2 }, "a=1"],
  ])("%j -> %s", (labels, want) => {
    expect(formatLabels(labels)).toBe(want);
  });
});

describe("label selectors", () => {
  it.each([
    [undefined, ""],
    [{}, ""],
    [{ matchLabels: { app: "web" } }, "app=web"],
    [{ matchLabels: { b: "2", a: "1" } }, "a=1,b=2"],
    [{ matchExpressions: [{ key: "env", operator: "In", values: ["prod", "dev"] }] }, "env in (dev,prod)"],
    [{ matchExpressions: [{ key: "env", operator: "NotIn", values: ["qa"] }] }, "env notin (qa)"],
    [{ matchExpressions: [{ key: "gpu", operator: "Exists" }] }, "gpu"],
    [{ matchExpressions: [{ key: "legacy", operator: "DoesNotExist", values: [] }] }, "!legacy"],
    [
      {
        matchLabels: { z: "1" },
        matchExpressions: [
          { key: "a", operator: "Exists" },
          { key: "m", operator: "In", values: ["x"] },
        ],
      },
      "a,m in (x),z=1",
    ],
  ])("%j -> %s", (selector, want) => {
    expect(labelSelectorString(selector)).toBe(want);
  });

  it.each([
    [{ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }],
    [{ matchExpressions: [{ key: "a", operator: "In", values: [] }] }],
    [{ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }],
  ])("rejects %j as upstream's conversion does", (selector) => {
    expect(labelSelectorString(selector)).toBeUndefined();
    expect(formatLabelSelector(selector)).toBe("<error>");
  });

  it("formatLabelSelector says <none> for an empty selector", () => {
    expect(formatLabelSelector({})).toBe("<none>");
    expect(formatLabelSelector({ matchLabels: { app: "web" } })).toBe("app=web");
  });
});

describe("containerCells", () => {
  it("joins names and images", () => {
    expect(
      containerCells({
        containers: [
          { name: "a", image: "nginx" },
          { name: "b", image: "redis:7" },
        ],
      }),
    ).toEqual(["a,b", "nginx,redis:7"]);
    expect(containerCells(undefined)).toEqual(["", ""]);
  });
});

describe("desiredReplicas", () => {
  it.each([
    [{ replicas: 3 }, 3],
    [{ replicas: 0 }, 0],
    [{}, 1],
    [{ replicas: null }, 1],
    [undefined, 1],
  ])("%j -> %d", (spec, want) => {
    expect(desiredReplicas(spec)).toBe(want);
  });
});
