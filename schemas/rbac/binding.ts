// rbac.authorization.k8s.io/v1 RoleBinding and ClusterRoleBinding: who (subjects) gets a role.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { str, struct } from "../kit.ts";
import { kind } from "../meta.ts";

export const subjectSchema = struct("Subject", {
  kind: str,
  apiGroup: str,
  name: str,
  namespace: str,
});
export type Subject = z.infer<typeof subjectSchema>;

export const roleRefSchema = struct("RoleRef", {
  apiGroup: str,
  kind: str,
  name: str,
});
export type RoleRef = z.infer<typeof roleRefSchema>;

export const roleBindingSchema = kind("RoleBinding", {
  subjects: z.array(subjectSchema),
  roleRef: roleRefSchema,
});
export type RoleBinding = z.infer<typeof roleBindingSchema>;

export const clusterRoleBindingSchema = kind("ClusterRoleBinding", {
  subjects: z.array(subjectSchema),
  roleRef: roleRefSchema,
});
export type ClusterRoleBinding = z.infer<typeof clusterRoleBindingSchema>;
