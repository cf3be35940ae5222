import { describe, expect, it } from "vitest";
import type { Subject } from "../../../schemas/rbac/binding.ts";
import type { PolicyRule } from "../../../schemas/rbac/role.ts";
import { clusterRoleRules } from "./aggregation.ts";
import {
  evaluate,
  type RbacObjects,
  type RequestAttributes,
  type ResourceAttributes,
  type UserInfo,
} from "./evaluate.ts";
import { clusterRole, clusterRoleBinding, role, roleBinding } from "./testing.ts";

const READ_PODS: PolicyRule = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] };

function objects(partial: Partial<RbacObjects>): RbacObjects {
  return { roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [], ...partial };
}

const alice: UserInfo = { name: "alice", groups: ["devs", "system:authenticated"] };
const listPods = (namespace: string): ResourceAttributes => ({
  verb: "list",
  apiGroup: "",
  resource: "pods",
  namespace,
});

describe("bindings", () => {
  const reader = clusterRole("pod-reader", [READ_PODS]);

  it("a ClusterRoleBinding grants in every namespace and at cluster scope", () => {
    const rbac = objects({
      clusterRoles: [reader],
      clusterRoleBindings: [clusterRoleBinding("readers", "pod-reader", [{ kind: "User", name: "alice" }])],
    });
    expect(evaluate(alice, listPods("a"), rbac)).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "pod-reader" to User "alice"',
    });
    expect(evaluate(alice, listPods(""), rbac).allowed).toBe(true);
    expect(evaluate(alice, { ...listPods("a"), verb: "delete" }, rbac).allowed).toBe(false);
  });

  it("a RoleBinding grants its Role only in its own namespace", () => {
    const rbac = objects({
      roles: [role("a", "pod-reader", [READ_PODS]), role("b", "other", [READ_PODS])],
      roleBindings: [roleBinding("a", "readers", "Role", "pod-reader", [{ kind: "User", name: "alice" }])],
    });
    expect(evaluate(alice, listPods("a"), rbac)).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "readers/a" of Role "pod-reader" to User "alice"',
    });
    expect(evaluate(alice, listPods("b"), rbac).allowed).toBe(false);
    expect(evaluate(alice, listPods(""), rbac).allowed).toBe(false);
  });

  it("a RoleBinding may grant a ClusterRole's rules, still only in its namespace", () => {
    const rbac = objects({
      clusterRoles: [reader],
      roleBindings: [roleBinding("a", "readers", "ClusterRole", "pod-reader", [{ kind: "Group", name: "devs" }])],
    });
    expect(evaluate(alice, listPods("a"), rbac).allowed).toBe(true);
    expect(evaluate(alice, listPods("b"), rbac).allowed).toBe(false);
  });

  it("a RoleBinding never grants non-resource URLs, even from a ClusterRole", () => {
    const health = clusterRole("health", [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }]);
    const subjects: Subject[] = [{ kind: "User", name: "alice" }];
    const viaRoleBinding = objects({
      clusterRoles: [health],
      roleBindings: [roleBinding("a", "h", "ClusterRole", "health", subjects)],
    });
    const url: RequestAttributes = { verb: "get", nonResourcePath: "/healthz" };
    expect(evaluate(alice, url, viaRoleBinding).allowed).toBe(false);
    const viaClusterRoleBinding = objects({
      clusterRoles: [health],
      clusterRoleBindings: [clusterRoleBinding("h", "health", subjects)],
    });
    expect(evaluate(alice, url, viaClusterRoleBinding).allowed).toBe(true);
  });
});

describe("subjects", () => {
  const reader = clusterRole("pod-reader", [READ_PODS]);
  const sa = (namespace: string, name: string): UserInfo => ({
    name: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  });

  it("matches Users by name and Groups by membership", () => {
    const rbac = (subject: Subject) =>
      objects({ clusterRoles: [reader], clusterRoleBindings: [clusterRoleBinding("r", "pod-reader", [subject])] });
    expect(evaluate(alice, listPods("a"), rbac({ kind: "User", name: "bob" })).allowed).toBe(false);
    expect(evaluate(alice, listPods("a"), rbac({ kind: "Group", name: "devs" })).allowed).toBe(true);
    expect(evaluate(alice, listPods("a"), rbac({ kind: "Group", name: "ops" })).allowed).toBe(false);
    expect(evaluate(alice, listPods("a"), rbac({ kind: "Robot", name: "alice" })).allowed).toBe(false);
  });

  it("matches a ServiceAccount as system:serviceaccount:<ns>:<name>", () => {
    const rbac = objects({
      clusterRoles: [reader],
      clusterRoleBindings: [
        clusterRoleBinding("r", "pod-reader", [{ kind: "ServiceAccount", name: "ci", namespace: "tools" }]),
      ],
    });
    expect(evaluate(sa("tools", "ci"), listPods("a"), rbac)).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "r" of ClusterRole "pod-reader" to ServiceAccount "ci/tools"',
    });
    expect(evaluate(sa("other", "ci"), listPods("a"), rbac).allowed).toBe(false);
  });

  it("a ServiceAccount subject without a namespace means the RoleBinding's own, and no one at cluster scope", () => {
    const local: Subject[] = [{ kind: "ServiceAccount", name: "ci" }];
    const inRoleBinding = objects({
      clusterRoles: [reader],
      roleBindings: [roleBinding("a", "r", "ClusterRole", "pod-reader", local)],
    });
    expect(evaluate(sa("a", "ci"), listPods("a"), inRoleBinding)).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "r/a" of ClusterRole "pod-reader" to ServiceAccount "ci/a"',
    });
    expect(evaluate(sa("b", "ci"), listPods("a"), inRoleBinding).allowed).toBe(false);
    const inClusterRoleBinding = objects({
      clusterRoles: [reader],
      clusterRoleBindings: [clusterRoleBinding("r", "pod-reader", local)],
    });
    expect(
      evaluate({ name: "system:serviceaccount::ci", groups: [] }, listPods("a"), inClusterRoleBinding).allowed,
    ).toBe(false);
  });
});

describe("denials", () => {
  it("say nothing when no binding applies or none covers the request, as upstream's", () => {
    expect(evaluate(alice, listPods("a"), objects({}))).toEqual({ allowed: false, reason: "" });
    const rbac = objects({
      clusterRoles: [clusterRole("pod-reader", [READ_PODS])],
      clusterRoleBindings: [clusterRoleBinding("r", "pod-reader", [{ kind: "User", name: "alice" }])],
    });
    expect(evaluate(alice, { ...listPods("a"), resource: "secrets" }, rbac)).toEqual({ allowed: false, reason: "" });
  });

  it("name the roles that applicable bindings reference but that do not exist", () => {
    const me: Subject[] = [{ kind: "User", name: "alice" }];
    const rbac = objects({
      clusterRoleBindings: [clusterRoleBinding("gone", "missing", me), clusterRoleBinding("gone-too", "missing", me)],
      roleBindings: [
        roleBinding("a", "r", "Role", "absent", me),
        roleBinding("a", "someone-else", "Role", "ignored", [{ kind: "User", name: "bob" }]),
      ],
    });
    expect(evaluate(alice, listPods("a"), rbac)).toEqual({
      allowed: false,
      reason:
        'RBAC: [clusterrole.rbac.authorization.k8s.io "missing" not found, role.rbac.authorization.k8s.io "absent" not found]',
    });
    expect(evaluate(alice, listPods(""), rbac)).toEqual({
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found',
    });
  });

  it("a missing role does not stop a later binding from allowing", () => {
    const me: Subject[] = [{ kind: "User", name: "alice" }];
    const rbac = objects({
      clusterRoles: [clusterRole("pod-reader", [READ_PODS])],
      clusterRoleBindings: [clusterRoleBinding("gone", "missing", me), clusterRoleBinding("ok", "pod-reader", me)],
    });
    expect(evaluate(alice, listPods("a"), rbac).allowed).toBe(true);
  });
});

describe("aggregation", () => {
  const label = (value: string) => ({ labels: { "example.com/aggregate-to-monitoring": value } });
  const monitoring = clusterRole("monitoring", [{ verbs: ["delete"], apiGroups: ["*"], resources: ["*"] }], {
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "example.com/aggregate-to-monitoring": "true" } }] },
  });
  const podsPart = clusterRole("pods-part", [READ_PODS], { metadata: { name: "pods-part", ...label("true") } });
  const nodesPart = clusterRole("nodes-part", [{ verbs: ["get"], apiGroups: [""], resources: ["nodes"] }], {
    metadata: { name: "nodes-part", ...label("false") },
  });

  it("grants the rules of the selected roles and ignores its own stored rules", () => {
    const all = [monitoring, podsPart, nodesPart];
    expect(clusterRoleRules(monitoring, all)).toEqual([READ_PODS]);
    const rbac = objects({
      clusterRoles: all,
      clusterRoleBindings: [clusterRoleBinding("m", "monitoring", [{ kind: "User", name: "alice" }])],
    });
    expect(evaluate(alice, listPods("a"), rbac).allowed).toBe(true);
    expect(evaluate(alice, { ...listPods("a"), verb: "delete" }, rbac).allowed).toBe(false);
    expect(evaluate(alice, { verb: "get", apiGroup: "", resource: "nodes", name: "n1" }, rbac).allowed).toBe(false);
  });

  it("selects with matchExpressions, and follows aggregated roles it selects, without looping", () => {
    const byExpression = clusterRole("by-expression", [], {
      aggregationRule: {
        clusterRoleSelectors: [{ matchExpressions: [{ key: "tier", operator: "In", values: ["inner"] }] }],
      },
    });
    const inner = clusterRole("inner", [], {
      metadata: { name: "inner", labels: { tier: "inner" } },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "example.com/aggregate-to-monitoring": "true" } }] },
    });
    // inner and loop select each other: each is reached once, so resolving ends.
    const loop = clusterRole("loop", [], {
      metadata: { name: "loop", ...label("true") },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { tier: "inner" } }] },
    });
    const all = [byExpression, inner, loop, podsPart, nodesPart];
    expect(clusterRoleRules(byExpression, all)).toEqual([READ_PODS]);
    expect(clusterRoleRules(loop, all)).toEqual([READ_PODS]);
  });

  it("an empty selector selects every other ClusterRole, as upstream's does", () => {
    const everything = clusterRole("everything", [], { aggregationRule: { clusterRoleSelectors: [{}] } });
    const nodes = { verbs: ["get"], apiGroups: [""], resources: ["nodes"] };
    expect(clusterRoleRules(everything, [everything, podsPart, nodesPart])).toEqual([nodes, READ_PODS]);
  });

  it("a selector upstream could not convert selects nothing", () => {
    const broken = clusterRole("broken", [], {
      aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: "tier", operator: "Near" }] }] },
    });
    expect(clusterRoleRules(broken, [broken, podsPart])).toEqual([]);
  });
});
