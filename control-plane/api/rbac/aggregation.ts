// The rules a ClusterRole grants. An aggregated ClusterRole (one with an aggregationRule) grants the
// rules of every other ClusterRole its label selectors pick, as upstream's aggregation controller
// writes them into it; its own stored rules are ignored, since that controller overwrites them.
// kflare has no such controller, so aggregation is resolved here, when a decision needs it.
//
// Picked roles that are themselves aggregated contribute what they aggregate (the controller
// reaches the same result over successive syncs, e.g. edit's rules flowing into admin), so the
// result is the rules of every plain ClusterRole reachable through selectors; cycles end there.

import type { LabelSelector } from "../../../schemas/meta.ts";
import type { ClusterRole, PolicyRule } from "../../../schemas/rbac/role.ts";
import { selectorMatches, validateLabelSelector } from "../strategies/meta.ts";

/** A selector upstream cannot convert (validation refuses those) selects nothing here. */
function usableSelectors(role: ClusterRole): LabelSelector[] {
  return (role.aggregationRule?.clusterRoleSelectors ?? []).filter((s) => validateLabelSelector(s, "").length === 0);
}

function byName(a: ClusterRole, b: ClusterRole): number {
  const [x, y] = [a.metadata.name ?? "", b.metadata.name ?? ""];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Upstream's aggregation keeps the first of equal rules. */
function dedupe(rules: PolicyRule[]): PolicyRule[] {
  const seen = new Set<string>();
  return rules.filter((rule) => {
    const key = JSON.stringify([rule.verbs, rule.apiGroups, rule.resources, rule.resourceNames, rule.nonResourceURLs]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function clusterRoleRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  if (!role.aggregationRule) return role.rules ?? [];
  const candidates = [...all].sort(byName);
  const reached = new Set<string>([role.metadata.name ?? ""]);
  const pending: ClusterRole[] = [role];
  const rules: PolicyRule[] = [];
  for (let current = pending.shift(); current; current = pending.shift()) {
    const selectors = usableSelectors(current);
    for (const candidate of candidates) {
      const name = candidate.metadata.name ?? "";
      if (reached.has(name)) continue;
      if (!selectors.some((s) => selectorMatches(s, candidate.metadata.labels))) continue;
      reached.add(name);
      if (candidate.aggregationRule) pending.push(candidate);
      else rules.push(...(candidate.rules ?? []));
    }
  }
  return dedupe(rules);
}
