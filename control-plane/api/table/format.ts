// Cell formats shared by several printers: label maps, label selectors, container lists, and the
// Name/Age columns most tables start and end with.

import { int, rec, recs, str, stringMap, strs } from "./read.ts";
import type { TableColumnDefinition } from "./types.ts";

/** The first column of (almost) every table; `format: "name"` is how kubectl finds the name. */
export const NAME_COLUMN: TableColumnDefinition = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name of the object, unique within its namespace.",
  priority: 0,
};

export const AGE_COLUMN: TableColumnDefinition = {
  name: "Age",
  type: "string",
  format: "",
  description: "Time since metadata.creationTimestamp, when the server created the object.",
  priority: 0,
};

/** A column definition with upstream's defaults (no format, always shown). */
export function column(
  name: string,
  type: TableColumnDefinition["type"],
  description: string,
  wide = false,
): TableColumnDefinition {
  return { name, type, format: "", description, priority: wide ? 1 : 0 };
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** labels.FormatLabels: `k=v` pairs sorted by key, comma-joined; `<none>` when empty. */
export function formatLabels(value: unknown): string {
  const labels = stringMap(value);
  const keys = Object.keys(labels).sort(byteOrder);
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels[k]}`).join(",");
}

/**
 * A metav1.LabelSelector in the selector syntax (`app=web,tier in (a,b),!legacy`), requirements
 * sorted by key and set values sorted, as labels.Selector.String() prints them. Returns undefined
 * for a selector upstream cannot convert (unknown operator, empty value set for in/notin, values
 * given to exists), so each printer can pick its own error text. A missing selector selects
 * nothing and an empty one everything; both print as "".
 */
export function labelSelectorString(value: unknown): string | undefined {
  const selector = rec(value);
  const requirements: { key: string; text: string }[] = [];
  const matchLabels = stringMap(selector.matchLabels);
  for (const key of Object.keys(matchLabels)) requirements.push({ key, text: `${key}=${matchLabels[key]}` });
  for (const expr of recs(selector.matchExpressions)) {
    const key = str(expr.key);
    const values = strs(expr.values);
    const op = str(expr.operator);
    const set = `(${[...values].sort(byteOrder).join(",")})`;
    if (op === "In" || op === "NotIn") {
      if (values.length === 0) return undefined;
      requirements.push({ key, text: `${key} ${op === "In" ? "in" : "notin"} ${set}` });
    } else if (op === "Exists" || op === "DoesNotExist") {
      if (values.length > 0) return undefined;
      requirements.push({ key, text: op === "Exists" ? key : `!${key}` });
    } else {
      return undefined;
    }
  }
  // Array.prototype.sort is stable, so equal keys keep matchLabels-before-expressions order.
  requirements.sort((a, b) => byteOrder(a.key, b.key));
  return requirements.map((r) => r.text).join(",");
}

/** metav1.FormatLabelSelector: `<none>` for an empty result, `<error>` for an unconvertible one. */
export function formatLabelSelector(value: unknown): string {
  const s = labelSelectorString(value);
  if (s === undefined) return "<error>";
  return s === "" ? "<none>" : s;
}

/** Container names and images of a pod template spec, each comma-joined (the wide columns). */
export function containerCells(podSpec: unknown): [names: string, images: string] {
  const containers = recs(rec(podSpec).containers);
  return [containers.map((c) => str(c.name)).join(","), containers.map((c) => str(c.image)).join(",")];
}

/** spec.replicas of a workload, defaulting to 1 when absent as the v1 API defaults it. */
export function desiredReplicas(spec: unknown): number {
  const replicas = rec(spec).replicas;
  return replicas === undefined || replicas === null ? 1 : int(replicas);
}
