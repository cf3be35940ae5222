import { describe, expect, it } from "vitest";
import type { LabelSelector } from "../../schemas/meta.ts";
import { compileLabelSelector } from "./selectors.ts";

describe("label selectors", () => {
  const labels = { app: "web", tier: "front" };
  it.each<[string, LabelSelector | undefined, boolean]>([
    ["a missing selector selects nothing", undefined, false],
    ["an empty selector selects everything", {}, true],
    ["matchLabels", { matchLabels: { app: "web" } }, true],
    ["matchLabels, other value", { matchLabels: { app: "db" } }, false],
    ["In", { matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] }, true],
    ["NotIn", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["front"] }] }, false],
    ["NotIn, label absent", { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, true],
    ["Exists", { matchExpressions: [{ key: "app", operator: "Exists" }] }, true],
    ["DoesNotExist", { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, false],
    ["an unknown operator", { matchExpressions: [{ key: "app", operator: "Gt", values: ["1"] }] }, false],
    [
      "all requirements",
      { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "Exists" }] },
      true,
    ],
  ])("%s", (_, selector, matches) => {
    expect(compileLabelSelector(selector)(labels)).toBe(matches);
  });
});
