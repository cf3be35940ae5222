import { describe, expect, it } from "vitest";
import type { ClusterRole, Role } from "../../../schemas/rbac/role.ts";
import { clusterRoleStrategy, roleStrategy } from "./rbac-roles.ts";

const API = "rbac.authorization.k8s.io/v1";

function role(fields: Record<string, unknown>, name = "pod-reader"): Role {
  const body = { apiVersion: API, kind: "Role", metadata: { name, namespace: "default" }, ...fields };
  return roleStrategy.decode(body, "Strict").object;
}

function clusterRole(fields: Record<string, unknown>, name = "reader"): ClusterRole {
  return clusterRoleStrategy.decode({ apiVersion: API, kind: "ClusterRole", metadata: { name }, ...fields }, "Strict")
    .object;
}

describe("Role validation", () => {
  it("accepts what `kubectl create role pod-reader --verb=get,list --resource=pods` sends", () => {
    expect(
      roleStrategy.validate(role({ rules: [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] }] })),
    ).toEqual([]);
    expect(roleStrategy.validate(role({}))).toEqual([]);
  });

  it("names are path segments, not DNS names", () => {
    expect(roleStrategy.validate(role({}, "system:controller:x"))).toEqual([]);
    expect(roleStrategy.validate(role({}, "a/b"))).toEqual([
      { reason: "FieldValueInvalid", field: "metadata.name", message: "Invalid value: \"a/b\": may not contain '/'" },
    ]);
  });

  it("needs verbs, API groups and resources in each rule", () => {
    expect(roleStrategy.validate(role({ rules: [{}] }))).toEqual([
      {
        reason: "FieldValueRequired",
        field: "rules[0].verbs",
        message: "Required value: verbs must contain at least one value",
      },
      {
        reason: "FieldValueRequired",
        field: "rules[0].apiGroups",
        message: "Required value: resource rules must supply at least one api group",
      },
      {
        reason: "FieldValueRequired",
        field: "rules[0].resources",
        message: "Required value: resource rules must supply at least one resource",
      },
    ]);
  });

  it("refuses non-resource URLs in a namespaced Role", () => {
    expect(roleStrategy.validate(role({ rules: [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }] }))).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "rules[0].nonResourceURLs",
        message: 'Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
      },
    ]);
  });
});

describe("ClusterRole validation", () => {
  it("accepts non-resource URLs, but not mixed with resources", () => {
    expect(
      clusterRoleStrategy.validate(clusterRole({ rules: [{ verbs: ["get"], nonResourceURLs: ["/api/*"] }] })),
    ).toEqual([]);
    expect(
      clusterRoleStrategy.validate(
        clusterRole({ rules: [{ verbs: ["get"], nonResourceURLs: ["/a", "/b"], resources: ["pods"] }] }),
      ),
    ).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "rules[0].nonResourceURLs",
        message:
          'Invalid value: []string{"/a", "/b"}: rules cannot apply to both regular resources and non-resource URLs',
      },
    ]);
  });

  it("checks the aggregation rule's selectors", () => {
    const selectors = (clusterRoleSelectors: unknown[]) => clusterRole({ aggregationRule: { clusterRoleSelectors } });
    expect(clusterRoleStrategy.validate(selectors([{ matchLabels: { "example.com/aggregate": "true" } }]))).toEqual([]);
    expect(clusterRoleStrategy.validate(selectors([]))).toEqual([
      {
        reason: "FieldValueRequired",
        field: "aggregationRule.clusterRoleSelectors",
        message: "Required value: at least one clusterRoleSelector required if aggregationRule is non-nil",
      },
    ]);
    const bad = clusterRoleStrategy.validate(selectors([{ matchExpressions: [{ key: "a", operator: "In" }] }]));
    expect(bad.map((c) => c.field)).toEqual([
      "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values",
      "aggregationRule.clusterRoleSelectors[0]",
    ]);
  });

  it("refuses a namespace", () => {
    const cr = clusterRole({});
    cr.metadata.namespace = "default";
    expect(clusterRoleStrategy.validate(cr).map((c) => c.field)).toEqual(["metadata.namespace"]);
  });
});
