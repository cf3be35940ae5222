// rbac.authorization.k8s.io/v1 Role and ClusterRole: named sets of PolicyRules that bindings grant.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { strList, struct } from "../kit.ts";
import { kind, labelSelectorSchema } from "../meta.ts";

export const policyRuleSchema = struct("PolicyRule", {
  verbs: strList,
  apiGroups: strList,
  resources: strList,
  resourceNames: strList,
  nonResourceURLs: strList,
});
export type PolicyRule = z.infer<typeof policyRuleSchema>;

export const aggregationRuleSchema = struct("AggregationRule", {
  clusterRoleSelectors: z.array(labelSelectorSchema),
});
export type AggregationRule = z.infer<typeof aggregationRuleSchema>;

export const roleSchema = kind("Role", {
  rules: z.array(policyRuleSchema),
});
export type Role = z.infer<typeof roleSchema>;

export const clusterRoleSchema = kind("ClusterRole", {
  rules: z.array(policyRuleSchema),
  aggregationRule: aggregationRuleSchema,
});
export type ClusterRole = z.infer<typeof clusterRoleSchema>;
