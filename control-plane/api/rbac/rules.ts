// Whether one PolicyRule covers a request, with upstream's matching: "*" matches any verb, group,
// resource or URL; a resource may be named with its subresource ("pods/log"), and "*/scale" covers
// that subresource of every resource. There is deliberately no "pods/*": upstream refuses it so that
// a subresource added later (say, a new way into a pod) is never granted without being named.
// resourceNames only narrow a rule, and a request without a name (list, watch, create, deletecollection)
// never matches a rule that has them. A URL ending in "*" matches by prefix.

import type { PolicyRule } from "../../../schemas/rbac/role.ts";
import { isNonResource, type RequestAttributes } from "./types.ts";

const ALL = "*";

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === ALL || v === verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some(
    (r) => r === ALL || r === combined || (subresource !== "" && r === `${ALL}/${subresource}`),
  );
}

function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((url) => {
    if (url === ALL || url === path) return true;
    return url.endsWith(ALL) && path.startsWith(url.replace(/\*+$/, ""));
  });
}

export function ruleAllows(rule: PolicyRule, attrs: RequestAttributes): boolean {
  if (!verbMatches(rule, attrs.verb)) return false;
  if (isNonResource(attrs)) return nonResourceURLMatches(rule, attrs.nonResourcePath);
  return (
    apiGroupMatches(rule, attrs.apiGroup) &&
    resourceMatches(rule, attrs.resource, attrs.subresource ?? "") &&
    resourceNameMatches(rule, attrs.name ?? "")
  );
}
