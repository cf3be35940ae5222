// Label and node selectors compiled once per pod into predicates. The scheduler keeps its own small
// matcher (rather than the API server's selector parser) because it imports schemas only, and
// because a compiled closure is what a loop over thousands of nodes wants.

import type { NodeSelectorRequirement, NodeSelectorTerm } from "../../schemas/core/common.ts";
import type { LabelSelector } from "../../schemas/meta.ts";
import type { NodeInfo } from "./types.ts";

export type Labels = Readonly<Record<string, string>>;
export type LabelMatcher = (labels: Labels) => boolean;

export const MATCH_NOTHING: LabelMatcher = () => false;
export const MATCH_EVERYTHING: LabelMatcher = () => true;

function has(labels: Labels, key: string): boolean {
  return Object.hasOwn(labels, key);
}

/** metav1.LabelSelector: a missing selector selects nothing, an empty one everything (as upstream). */
export function compileLabelSelector(selector: LabelSelector | undefined): LabelMatcher {
  if (!selector) return MATCH_NOTHING;
  const checks: LabelMatcher[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    checks.push((labels) => labels[key] === value);
  }
  for (const r of selector.matchExpressions ?? []) {
    const key = r.key ?? "";
    const values = new Set(r.values ?? []);
    switch (r.operator) {
      case "In":
        checks.push((labels) => has(labels, key) && values.has(labels[key] ?? ""));
        break;
      case "NotIn":
        checks.push((labels) => !has(labels, key) || !values.has(labels[key] ?? ""));
        break;
      case "Exists":
        checks.push((labels) => has(labels, key));
        break;
      case "DoesNotExist":
        checks.push((labels) => !has(labels, key));
        break;
      default:
        // An operator validation would have refused: the selector cannot match anything.
        return MATCH_NOTHING;
    }
  }
  if (checks.length === 0) return MATCH_EVERYTHING;
  if (checks.length === 1) return checks[0]!;
  return (labels) => {
    for (const check of checks) if (!check(labels)) return false;
    return true;
  };
}

export type NodeMatcher = (node: NodeInfo) => boolean;

const INTEGER = /^[+-]?[0-9]+$/;

/** Gt and Lt compare integers; a label or value that is not one never matches (as upstream). */
function compare(label: string | undefined, bound: string | undefined, greater: boolean): boolean {
  if (label === undefined || bound === undefined || !INTEGER.test(label) || !INTEGER.test(bound)) return false;
  const a = BigInt(label);
  const b = BigInt(bound);
  return greater ? a > b : a < b;
}

function requirementMatcher(r: NodeSelectorRequirement, value: (node: NodeInfo) => string | undefined): NodeMatcher {
  const values = r.values ?? [];
  const set = new Set(values);
  switch (r.operator) {
    case "In":
      return (node) => {
        const v = value(node);
        return v !== undefined && set.has(v);
      };
    case "NotIn":
      return (node) => {
        const v = value(node);
        return v === undefined || !set.has(v);
      };
    case "Exists":
      return (node) => value(node) !== undefined;
    case "DoesNotExist":
      return (node) => value(node) === undefined;
    case "Gt":
      return (node) => values.length === 1 && compare(value(node), values[0], true);
    case "Lt":
      return (node) => values.length === 1 && compare(value(node), values[0], false);
    default:
      return () => false;
  }
}

/** One NodeSelectorTerm: its expressions (on labels) and fields (metadata.name only) are ANDed; an
 * empty term matches nothing. */
export function compileNodeSelectorTerm(term: NodeSelectorTerm): NodeMatcher {
  const checks: NodeMatcher[] = [];
  for (const r of term.matchExpressions ?? []) {
    const key = r.key ?? "";
    checks.push(requirementMatcher(r, (node) => (has(node.labels, key) ? node.labels[key] : undefined)));
  }
  for (const r of term.matchFields ?? []) {
    if (r.key !== "metadata.name") return () => false;
    checks.push(requirementMatcher(r, (node) => node.name));
  }
  if (checks.length === 0) return () => false;
  return (node) => {
    for (const check of checks) if (!check(node)) return false;
    return true;
  };
}

/** NodeSelectorTerms are ORed; no terms match no node. */
export function compileNodeSelectorTerms(terms: readonly NodeSelectorTerm[]): NodeMatcher {
  const compiled = terms.map(compileNodeSelectorTerm);
  return (node) => {
    for (const match of compiled) if (match(node)) return true;
    return false;
  };
}

/** pod.spec.nodeSelector (and a RuntimeClass's scheduling.nodeSelector): every pair must be a label. */
export function compileNodeLabelMap(selector: Readonly<Record<string, string>>): NodeMatcher | undefined {
  const entries = Object.entries(selector);
  if (entries.length === 0) return undefined;
  return (node) => {
    for (const [key, value] of entries) if (node.labels[key] !== value) return false;
    return true;
  };
}
