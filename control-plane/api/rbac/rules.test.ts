import { describe, expect, it } from "vitest";
import type { PolicyRule } from "../../../schemas/rbac/role.ts";
import { ruleAllows } from "./rules.ts";
import type { RequestAttributes } from "./types.ts";

const getPod: RequestAttributes = { verb: "get", apiGroup: "", resource: "pods", name: "web", namespace: "a" };

describe("ruleAllows", () => {
  it("matches verbs, groups and resources exactly or by *", () => {
    const pods: PolicyRule = { verbs: ["get"], apiGroups: [""], resources: ["pods"] };
    expect(ruleAllows(pods, getPod)).toBe(true);
    expect(ruleAllows(pods, { ...getPod, verb: "delete" })).toBe(false);
    expect(ruleAllows(pods, { ...getPod, apiGroup: "apps" })).toBe(false);
    expect(ruleAllows(pods, { ...getPod, resource: "services" })).toBe(false);
    expect(ruleAllows({ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { ...getPod, verb: "escalate" })).toBe(
      true,
    );
    expect(ruleAllows({ verbs: ["get"], apiGroups: ["*"], resources: ["pods"] }, { ...getPod, apiGroup: "x.io" })).toBe(
      true,
    );
  });

  it("matches a subresource only as resource/subresource or */subresource", () => {
    const log = { ...getPod, subresource: "log" };
    expect(ruleAllows({ verbs: ["get"], apiGroups: [""], resources: ["pods"] }, log)).toBe(false);
    expect(ruleAllows({ verbs: ["get"], apiGroups: [""], resources: ["pods/log"] }, log)).toBe(true);
    expect(ruleAllows({ verbs: ["get"], apiGroups: [""], resources: ["pods/log"] }, getPod)).toBe(false);
    expect(ruleAllows({ verbs: ["get"], apiGroups: [""], resources: ["*/log"] }, log)).toBe(true);
    expect(ruleAllows({ verbs: ["get"], apiGroups: [""], resources: ["*/log"] }, getPod)).toBe(false);
    expect(ruleAllows({ verbs: ["get"], apiGroups: [""], resources: ["*/status"] }, log)).toBe(false);
    expect(ruleAllows({ verbs: ["get"], apiGroups: [""], resources: ["*"] }, log)).toBe(true);
  });

  it("does not read pods/* as every subresource of pods, as upstream refuses to", () => {
    const rule = { verbs: ["create"], apiGroups: [""], resources: ["pods/*"] };
    expect(ruleAllows(rule, { ...getPod, verb: "create", subresource: "exec" })).toBe(false);
  });

  it("narrows by resourceNames only when they are given; a request without a name never matches them", () => {
    const named = { verbs: ["get", "list", "create"], apiGroups: [""], resources: ["pods"], resourceNames: ["web"] };
    expect(ruleAllows(named, getPod)).toBe(true);
    expect(ruleAllows(named, { ...getPod, name: "db" })).toBe(false);
    expect(ruleAllows(named, { verb: "list", apiGroup: "", resource: "pods", namespace: "a" })).toBe(false);
    expect(ruleAllows(named, { verb: "create", apiGroup: "", resource: "pods", namespace: "a" })).toBe(false);
    const unnamed = { verbs: ["list"], apiGroups: [""], resources: ["pods"], resourceNames: [] };
    expect(ruleAllows(unnamed, { verb: "list", apiGroup: "", resource: "pods", namespace: "a" })).toBe(true);
  });

  it("matches non-resource URLs exactly, by a trailing-* prefix, or all with *", () => {
    const rule = { verbs: ["get"], nonResourceURLs: ["/healthz", "/apis/*"] };
    expect(ruleAllows(rule, { verb: "get", nonResourcePath: "/healthz" })).toBe(true);
    expect(ruleAllows(rule, { verb: "get", nonResourcePath: "/healthz/etcd" })).toBe(false);
    expect(ruleAllows(rule, { verb: "get", nonResourcePath: "/apis/apps/v1" })).toBe(true);
    expect(ruleAllows(rule, { verb: "get", nonResourcePath: "/apis" })).toBe(false);
    expect(ruleAllows(rule, { verb: "post", nonResourcePath: "/healthz" })).toBe(false);
    expect(ruleAllows({ verbs: ["*"], nonResourceURLs: ["*"] }, { verb: "put", nonResourcePath: "/x" })).toBe(true);
  });

  it("keeps resource rules and URL rules apart", () => {
    expect(ruleAllows({ verbs: ["get"], nonResourceURLs: ["*"] }, getPod)).toBe(false);
    expect(
      ruleAllows({ verbs: ["get"], apiGroups: ["*"], resources: ["*"] }, { verb: "get", nonResourcePath: "/" }),
    ).toBe(false);
  });
});
