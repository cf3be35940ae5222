// Label selectors as kube-apiserver parses them from `?labelSelector=`: `a=b`, `a==b`, `a!=b`,
// `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not exist), joined by commas. Also the
// structured LabelSelector (matchLabels/matchExpressions) that Deployments and ReplicaSets carry.

import { badRequest } from "../errors.ts";

export type Operator = "=" | "!=" | "in" | "notin" | "exists" | "!";

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

export type LabelSelector = Requirement[];

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, text: string): string {
  if (!KEY.test(key) || key.length > 316)
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${text}"`);
  return key;
}

function checkValue(value: string, text: string): string {
  if (!VALUE.test(value) || value.length > 63)
    throw badRequest(`unable to parse requirement: invalid label value: "${value}" in selector "${text}"`);
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t.length > 0);
}

const SET_TERM = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/;
const EQ_TERM = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/;

export function parseLabelSelector(text: string | null | undefined): LabelSelector {
  if (!text) return [];
  const out: Requirement[] = [];
  for (const term of splitTerms(text)) {
    const set = SET_TERM.exec(term);
    if (set) {
      const values = set[3]!
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v.length > 0)
        .map((v) => checkValue(v, text));
      if (values.length === 0)
        throw badRequest(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`);
      out.push({ key: checkKey(set[1]!, text), op: set[2] as "in" | "notin", values });
      continue;
    }
    if (term.startsWith("!")) {
      out.push({ key: checkKey(term.slice(1).trim(), text), op: "!", values: [] });
      continue;
    }
    const eq = EQ_TERM.exec(term);
    if (eq) {
      out.push({
        key: checkKey(eq[1]!, text),
        op: eq[2] === "!=" ? "!=" : "=",
        values: [checkValue(eq[3]!.trim(), text)],
      });
      continue;
    }
    if (/^\S+$/.test(term)) {
      out.push({ key: checkKey(term, text), op: "exists", values: [] });
      continue;
    }
    throw badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
  }
  return out;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const r of selector) {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.op) {
      case "=":
        if (value !== r.values[0]) return false;
        break;
      case "!=":
        if (value === r.values[0]) return false;
        break;
      case "in":
        if (value === undefined || !r.values.includes(value)) return false;
        break;
      case "notin":
        if (value !== undefined && r.values.includes(value)) return false;
        break;
      case "exists":
        if (!has) return false;
        break;
      case "!":
        if (has) return false;
        break;
    }
  }
  return true;
}

/** metav1.LabelSelector as workload specs carry it. */
export interface StructuredSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

const OPS = { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" } as const;

export function fromStructured(sel: StructuredSelector | undefined): LabelSelector {
  if (!sel) return [];
  const out: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({
    key,
    op: "=" as const,
    values: [v],
  }));
  for (const e of sel.matchExpressions ?? []) out.push({ key: e.key, op: OPS[e.operator], values: e.values ?? [] });
  return out;
}

/** The selector as kubectl and Scale.status.selector print it: `app=web,tier in (a,b)`. */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel
    .map((r) => {
      switch (r.op) {
        case "=":
          return `${r.key}=${r.values[0]}`;
        case "!=":
          return `${r.key}!=${r.values[0]}`;
        case "in":
        case "notin":
          return `${r.key} ${r.op} (${[...r.values].sort().join(",")})`;
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
      }
      return "";
    })
    .join(",");
}
