import { describe, expect, it } from "vitest";
import { resourceFor } from "../../../schemas/registry.ts";
import { ApiError } from "../errors.ts";
import { exactName, matchesFields, parseFieldSelector } from "./fields.ts";
import { formatLabelSelector, fromStructured, matchesLabels, parseLabelSelector } from "./labels.ts";

const pods = resourceFor("", "v1", "pods")!;

describe("label selectors", () => {
  const labels = { app: "web", tier: "front" };
  it.each([
    ["app=web", true],
    ["app==web", true],
    ["app!=web", false],
    ["app!=db", true],
    ["app in (web,db)", true],
    ["app notin (web)", false],
    ["tier", true],
    ["!tier", false],
    ["!missing", true],
    ["missing", false],
    ["app=web,tier=front", true],
    ["app=web,tier=back", false],
    ["app in (db, web), !x", true],
    ["", true],
  ])("%s -> %s", (text, want) => {
    expect(matchesLabels(parseLabelSelector(text), labels)).toBe(want);
  });

  it("notin matches objects without the label", () => {
    expect(matchesLabels(parseLabelSelector("env notin (prod)"), {})).toBe(true);
  });

  it.each(["app=web=x", "a b", "in (x)", "app in ()", "-bad=x"])("refuses %s with a 400", (text) => {
    expect(() => parseLabelSelector(text)).toThrowError(ApiError);
  });

  it("formats structured selectors as kubectl prints them", () => {
    const sel = fromStructured({
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "t", operator: "In", values: ["b", "a"] }],
    });
    expect(formatLabelSelector(sel)).toBe("app=web,t in (a,b)");
  });
});

describe("field selectors", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default" },
    spec: { nodeName: "n1" },
    status: { phase: "Running" },
  };
  it.each([
    ["metadata.name=p", true],
    ["metadata.name!=p", false],
    ["spec.nodeName=n1,status.phase=Running", true],
    ["spec.nodeName=", false],
    ["status.phase==Pending", false],
  ])("%s -> %s", (text, want) => {
    expect(matchesFields(parseFieldSelector(text, pods), pod)).toBe(want);
  });

  it("refuses unsupported fields with upstream's message", () => {
    expect(() => parseFieldSelector("spec.foo=x", pods)).toThrowError("field label not supported: spec.foo");
  });

  it("finds an exact name for single-key reads", () => {
    expect(exactName(parseFieldSelector("metadata.name=web", pods))).toBe("web");
    expect(exactName(parseFieldSelector("metadata.name!=web", pods))).toBeUndefined();
  });
});
