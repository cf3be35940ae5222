// Strategies of rbac.authorization.k8s.io/v1 Role and ClusterRole, with upstream's validation
// (pkg/apis/rbac/validation): every rule names verbs; a rule is either about resources (API groups
// and resources required) or about non-resource URLs (nothing else, and only in ClusterRoles, since a
// namespace cannot scope a URL); an aggregation rule needs at least one valid selector.

import {
  type ClusterRole,
  clusterRoleSchema,
  type PolicyRule,
  type Role,
  roleSchema,
} from "../../../schemas/rbac/role.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { child, index, required } from "./field.ts";
import { nameIsPathSegment, validateLabelSelector } from "./meta.ts";

/**
 * Go's %#v of a []string, which is how upstream prints the bad value of a rule's list
 * (`[]string{"/healthz"}`); our generic formatter would print JSON instead.
 */
function goStrings(values: readonly string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`;
}

function invalidUrls(path: string, urls: readonly string[], detail: string): StatusCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${goStrings(urls)}: ${detail}`, field: path };
}

export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if ((rule.verbs ?? []).length === 0) {
    causes.push(required(child(path, "verbs"), "verbs must contain at least one value"));
  }
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0) {
    const urlsPath = child(path, "nonResourceURLs");
    if (namespaced) causes.push(invalidUrls(urlsPath, urls, "namespaced rules cannot apply to non-resource URLs"));
    const resourceFields = [rule.apiGroups, rule.resources, rule.resourceNames];
    if (resourceFields.some((list) => (list ?? []).length > 0)) {
      causes.push(invalidUrls(urlsPath, urls, "rules cannot apply to both regular resources and non-resource URLs"));
    }
    return causes;
  }
  if ((rule.apiGroups ?? []).length === 0) {
    causes.push(required(child(path, "apiGroups"), "resource rules must supply at least one api group"));
  }
  if ((rule.resources ?? []).length === 0) {
    causes.push(required(child(path, "resources"), "resource rules must supply at least one resource"));
  }
  return causes;
}

function validateRules(rules: readonly PolicyRule[] | undefined, namespaced: boolean): StatusCause[] {
  return (rules ?? []).flatMap((rule, i) => validatePolicyRule(rule, namespaced, index("rules", i)));
}

export const roleStrategy = defineStrategy<Role>({
  resource: resourceOf("rbac.authorization.k8s.io/v1", "Role"),
  schema: roleSchema,
  nameCheck: nameIsPathSegment,
  hasStatus: false,
  tracksGeneration: false,
  validate: (role) => validateRules(role.rules, true),
});

function validateAggregationRule(rule: ClusterRole["aggregationRule"]): StatusCause[] {
  if (!rule) return [];
  const path = "aggregationRule.clusterRoleSelectors";
  const selectors = rule.clusterRoleSelectors ?? [];
  if (selectors.length === 0) {
    return [required(path, "at least one clusterRoleSelector required if aggregationRule is non-nil")];
  }
  return selectors.flatMap((selector, i) => {
    const causes = validateLabelSelector(selector, index(path, i));
    // Upstream also fails to convert such a selector and reports that too, with the nil selector it
    // got back as the value (hence the quoted "null").
    if (causes.length > 0) {
      causes.push({
        reason: "FieldValueInvalid",
        message: 'Invalid value: "null": invalid label selector.',
        field: index(path, i),
      });
    }
    return causes;
  });
}

export const clusterRoleStrategy = defineStrategy<ClusterRole>({
  resource: resourceOf("rbac.authorization.k8s.io/v1", "ClusterRole"),
  schema: clusterRoleSchema,
  nameCheck: nameIsPathSegment,
  hasStatus: false,
  tracksGeneration: false,
  validate: (role) => [...validateRules(role.rules, false), ...validateAggregationRule(role.aggregationRule)],
});
