// Builders of RBAC objects for the evaluator's and the escalation check's tests.

import type { ClusterRoleBinding, RoleBinding, Subject } from "../../../schemas/rbac/binding.ts";
import type { ClusterRole, PolicyRule, Role } from "../../../schemas/rbac/role.ts";

export const GROUP = "rbac.authorization.k8s.io";
const API = `${GROUP}/v1`;

export function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: API, kind: "Role", metadata: { name, namespace }, rules };
}

export function clusterRole(name: string, rules: PolicyRule[], extra: Partial<ClusterRole> = {}): ClusterRole {
  return { apiVersion: API, kind: "ClusterRole", metadata: { name }, rules, ...extra };
}

export function roleBinding(
  namespace: string,
  name: string,
  kind: string,
  roleName: string,
  subjects: Subject[],
): RoleBinding {
  const roleRef = { apiGroup: GROUP, kind, name: roleName };
  return { apiVersion: API, kind: "RoleBinding", metadata: { name, namespace }, roleRef, subjects };
}

export function clusterRoleBinding(name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding {
  const roleRef = { apiGroup: GROUP, kind: "ClusterRole", name: roleName };
  return { apiVersion: API, kind: "ClusterRoleBinding", metadata: { name }, roleRef, subjects };
}
