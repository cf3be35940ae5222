// Whether the rules a user holds cover the rules they ask to grant, as upstream's escalation check
// decides it (k8s.io/component-helpers/auth/rbac/validation). Each requested rule is broken down
// into atoms of one verb, one group, one resource and at most one resourceName (or one URL and one
// verb), so that every atom is either covered by a single owner rule or not at all, and what is
// missing can be listed precisely.
//
// Unlike matching a request (rules.ts), a requested wildcard is compared literally: a requested "*"
// is covered only by an owner "*", since it grants whatever verb, group or resource exists later.

import type { PolicyRule } from "../../../schemas/rbac/role.ts";

const ALL = "*";

/** One rule per verb × group × resource × resourceName, and per URL × verb. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const atoms: PolicyRule[] = [];
  const verbs = rule.verbs ?? [];
  const names = rule.resourceNames ?? [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of verbs) {
        const atom: PolicyRule = { verbs: [verb], apiGroups: [group], resources: [resource] };
        if (names.length === 0) atoms.push(atom);
        else for (const name of names) atoms.push({ ...atom, resourceNames: [name] });
      }
    }
  }
  // URLs stand alone: they combine with verbs only, never with groups or resources.
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of verbs) atoms.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return atoms;
}

function containsAll(owned: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => owned.includes(w));
}

// "pods/log" is covered by "*", by "pods/log" itself, or by "*/log" (that subresource of every
// resource); a plain resource only by "*" or its own name.
function resourcesCovered(owned: readonly string[], wanted: readonly string[]): boolean {
  if (owned.includes(ALL)) return true;
  return wanted.every((resource) => {
    if (owned.includes(resource)) return true;
    const slash = resource.indexOf("/");
    return slash >= 0 && owned.includes(`${ALL}${resource.slice(slash)}`);
  });
}

/** A URL is covered by itself or by an owned URL ending in "*" that prefixes it ("*" alone: all). */
function urlsCovered(owned: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((url) =>
    owned.some((o) => o === url || (o.endsWith(ALL) && url.startsWith(o.replace(/\*+$/, "")))),
  );
}

/**
 * Whether one owner rule covers one atom. An owner rule limited to resourceNames never covers an
 * atom without one (that would grant every name); an atom's empty fields (a URL atom's groups and
 * resources, a resource atom's URLs) ask for nothing and so are covered.
 */
function ruleCovers(owner: PolicyRule, atom: PolicyRule): boolean {
  const ownerVerbs = owner.verbs ?? [];
  const ownerGroups = owner.apiGroups ?? [];
  const ownerNames = owner.resourceNames ?? [];
  const atomNames = atom.resourceNames ?? [];
  return (
    (ownerVerbs.includes(ALL) || containsAll(ownerVerbs, atom.verbs ?? [])) &&
    (ownerGroups.includes(ALL) || containsAll(ownerGroups, atom.apiGroups ?? [])) &&
    resourcesCovered(owner.resources ?? [], atom.resources ?? []) &&
    urlsCovered(owner.nonResourceURLs ?? [], atom.nonResourceURLs ?? []) &&
    (ownerNames.length === 0 || (atomNames.length > 0 && containsAll(ownerNames, atomNames)))
  );
}

/** A rule with one group, one resource, at most one name and no URL: one whose verbs can be merged. */
function simpleKey(rule: PolicyRule): string | undefined {
  const [groups, resources, names] = [rule.apiGroups ?? [], rule.resources ?? [], rule.resourceNames ?? []];
  if (names.length > 1 || (rule.nonResourceURLs ?? []).length > 0) return undefined;
  if (groups.length !== 1 || resources.length !== 1) return undefined;
  return JSON.stringify([groups[0], resources[0], names]);
}

/**
 * Upstream's CompactRules: rules that differ only in their verbs are merged (verbs appended in
 * order, not deduplicated, as upstream leaves them); any other rule is kept as it is. Kept rules
 * come first, then the merged ones in the order they first appeared.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const kept: PolicyRule[] = [];
  const merged = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const key = simpleKey(rule);
    const existing = key === undefined ? undefined : merged.get(key);
    if (key === undefined) kept.push(rule);
    else if (existing) existing.verbs = [...(existing.verbs ?? []), ...(rule.verbs ?? [])];
    else merged.set(key, { ...rule, verbs: [...(rule.verbs ?? [])] });
  }
  return [...kept, ...merged.values()];
}

export interface Coverage {
  covered: boolean;
  /** The requested atoms no owner rule covers, compacted (compactRules). */
  missing: PolicyRule[];
}

export function covers(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): Coverage {
  const missing = requested.flatMap(breakdownRule).filter((atom) => !owner.some((rule) => ruleCovers(rule, atom)));
  return { covered: missing.length === 0, missing: compactRules(missing) };
}

/** Go's %q of a []string: `["a" "b"]`. */
export function quoteList(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(" ")}]`;
}

/**
 * A rule as upstream's escalation message shows it (rbac/v1 helpers' CompactString): the non-empty
 * fields only, in this order, e.g. `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`.
 */
export function describeRule(rule: PolicyRule): string {
  const fields: [string, readonly string[] | undefined][] = [
    ["APIGroups", rule.apiGroups],
    ["Resources", rule.resources],
    ["NonResourceURLs", rule.nonResourceURLs],
    ["ResourceNames", rule.resourceNames],
    ["Verbs", rule.verbs],
  ];
  const parts = fields.filter(([, values]) => (values ?? []).length > 0);
  return `{${parts.map(([label, values]) => `${label}:${quoteList(values ?? [])}`).join(", ")}}`;
}
