import { describe, expect, it } from "vitest";
import type { ClusterRoleBinding, RoleBinding } from "../../../schemas/rbac/binding.ts";
import { clusterRoleBindingStrategy, roleBindingStrategy } from "./rbac-bindings.ts";

const API = "rbac.authorization.k8s.io/v1";
const GROUP = "rbac.authorization.k8s.io";

/** Decoded and defaulted, as admission sees it. */
function roleBinding(fields: Record<string, unknown>): RoleBinding {
  const body = { apiVersion: API, kind: "RoleBinding", metadata: { name: "b", namespace: "a" }, ...fields };
  const { object } = roleBindingStrategy.decode(body, "Strict");
  roleBindingStrategy.applyDefaults(object);
  return object;
}

function clusterRoleBinding(fields: Record<string, unknown>): ClusterRoleBinding {
  const body = { apiVersion: API, kind: "ClusterRoleBinding", metadata: { name: "b" }, ...fields };
  const { object } = clusterRoleBindingStrategy.decode(body, "Strict");
  clusterRoleBindingStrategy.applyDefaults(object);
  return object;
}

describe("binding defaults", () => {
  it("fills the RBAC group into roleRef and User/Group subjects, not ServiceAccounts", () => {
    const rb = roleBinding({
      roleRef: { kind: "ClusterRole", name: "view" },
      subjects: [
        { kind: "User", name: "alice" },
        { kind: "Group", name: "devs" },
        { kind: "ServiceAccount", name: "ci" },
      ],
    });
    expect(rb.roleRef).toEqual({ apiGroup: GROUP, kind: "ClusterRole", name: "view" });
    expect(rb.subjects?.map((s) => s.apiGroup)).toEqual([GROUP, GROUP, undefined]);
    expect(roleBindingStrategy.validate(rb)).toEqual([]);
  });
});

describe("RoleBinding validation", () => {
  it("accepts what `kubectl create rolebinding` sends", () => {
    const rb = roleBinding({
      roleRef: { apiGroup: GROUP, kind: "Role", name: "pod-reader" },
      subjects: [{ kind: "ServiceAccount", name: "ci", namespace: "a" }],
    });
    expect(roleBindingStrategy.validate(rb)).toEqual([]);
  });

  it("needs a roleRef", () => {
    expect(roleBindingStrategy.validate(roleBinding({}))).toEqual([
      {
        reason: "FieldValueNotSupported",
        field: "roleRef.kind",
        message: 'Unsupported value: "": supported values: "Role", "ClusterRole"',
      },
      { reason: "FieldValueRequired", field: "roleRef.name", message: "Required value" },
    ]);
  });

  it("refuses another group, unknown subject kinds and a ServiceAccount subject with an API group", () => {
    const rb = roleBinding({
      roleRef: { apiGroup: "example.com", kind: "Role", name: "r" },
      subjects: [
        { kind: "Robot", name: "r2" },
        { kind: "ServiceAccount", apiGroup: GROUP, name: "ci" },
        { kind: "User", apiGroup: "example.com", name: "bob" },
        { kind: "Group" },
      ],
    });
    expect(roleBindingStrategy.validate(rb)).toEqual([
      {
        reason: "FieldValueNotSupported",
        field: "roleRef.apiGroup",
        message: 'Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
      },
      {
        reason: "FieldValueNotSupported",
        field: "subjects[0].kind",
        message: 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      },
      {
        reason: "FieldValueNotSupported",
        field: "subjects[1].apiGroup",
        message: 'Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
      },
      {
        reason: "FieldValueNotSupported",
        field: "subjects[2].apiGroup",
        message: 'Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
      },
      { reason: "FieldValueRequired", field: "subjects[3].name", message: "Required value" },
    ]);
  });

  it("lets a ServiceAccount subject leave out its namespace (the binding's is meant)", () => {
    const rb = roleBinding({
      roleRef: { kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: "ci" }],
    });
    expect(roleBindingStrategy.validate(rb)).toEqual([]);
  });

  it("never lets the roleRef change", () => {
    const old = roleBinding({ roleRef: { kind: "ClusterRole", name: "view" } });
    const renamed = roleBinding({ roleRef: { kind: "ClusterRole", name: "edit" } });
    expect(
      roleBindingStrategy.validateUpdate(old, roleBinding({ roleRef: { kind: "ClusterRole", name: "view" } })),
    ).toEqual([]);
    expect(roleBindingStrategy.validateUpdate(renamed, old)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "roleRef",
        message:
          'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef',
      },
    ]);
  });
});

describe("ClusterRoleBinding validation", () => {
  it("binds only ClusterRoles, and a ServiceAccount subject needs its namespace", () => {
    const crb = clusterRoleBinding({
      roleRef: { kind: "Role", name: "r" },
      subjects: [
        { kind: "ServiceAccount", name: "ci" },
        { kind: "ServiceAccount", name: "Bad_Name", namespace: "a" },
      ],
    });
    expect(clusterRoleBindingStrategy.validate(crb).map((c) => [c.field, c.reason])).toEqual([
      ["roleRef.kind", "FieldValueNotSupported"],
      ["subjects[0].namespace", "FieldValueRequired"],
      ["subjects[1].name", "FieldValueInvalid"],
    ]);
  });

  it("accepts what `kubectl create clusterrolebinding` sends", () => {
    const crb = clusterRoleBinding({
      roleRef: { apiGroup: GROUP, kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "Group", apiGroup: GROUP, name: "system:masters" }],
    });
    expect(clusterRoleBindingStrategy.validate(crb)).toEqual([]);
    const other = clusterRoleBinding({ roleRef: { kind: "ClusterRole", name: "view" } });
    expect(clusterRoleBindingStrategy.validateUpdate(other, crb).map((c) => c.field)).toEqual(["roleRef"]);
  });
});
