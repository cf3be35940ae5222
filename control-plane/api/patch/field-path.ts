// Field paths and field sets in the format of managedFields (FieldsV1). A path is a list of
// elements, each written as in FieldsV1: `f:<field>` (struct field or map key), `k:<json>` (the
// element of a keyed list, by its key fields), `v:<json>` (the element of a set) and `i:<n>` (by
// index). A set holds paths; in FieldsV1 a path in the set is an empty object `{}`, or carries the
// child `".": {}` when deeper paths are in the set too.

import { isRecord, type JsonObject } from "./json.ts";
import { type FieldMeta, listKeysOf } from "./patch-meta.ts";

export type FieldPath = readonly string[];

/** A set of paths, each stored as its JSON array text (elements may contain any character). */
export type FieldSet = Set<string>;

export const pathKey = (path: FieldPath): string => JSON.stringify(path);
export const pathOf = (key: string): string[] => JSON.parse(key) as string[];

export const fieldElement = (name: string): string => `f:${name}`;
export const valueElement = (value: unknown): string => `v:${JSON.stringify(value)}`;

/**
 * The `k:` element naming a keyed-list element: its key fields (schema defaults filling absent
 * ones), sorted by name. Undefined when a key field is missing and has no default.
 */
export function keyElement(item: unknown, meta: FieldMeta | undefined): string | undefined {
  if (!isRecord(item)) return undefined;
  const key: JsonObject = {};
  for (const name of [...listKeysOf(meta)].sort()) {
    const value = item[name] ?? meta?.keyDefaults?.[name];
    if (value === undefined || value === null) return undefined;
    key[name] = value;
  }
  return `k:${JSON.stringify(key)}`;
}

/** How kube-apiserver prints a path in conflict messages: `.spec.containers[name="web"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      if (element.startsWith("f:")) return `.${body}`;
      if (element.startsWith("v:")) return `[=${body}]`;
      if (element.startsWith("i:")) return `[${body}]`;
      const key = JSON.parse(body) as JsonObject;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}]`;
    })
    .join("");
}

/** Whether `prefix` is a proper prefix of `path`. */
export function isPrefix(prefix: FieldPath, path: FieldPath): boolean {
  return prefix.length < path.length && prefix.every((element, i) => element === path[i]);
}

export function union(...sets: FieldSet[]): FieldSet {
  const out: FieldSet = new Set();
  for (const set of sets) for (const key of set) out.add(key);
  return out;
}

export function difference(a: FieldSet, b: FieldSet): FieldSet {
  return new Set([...a].filter((key) => !b.has(key)));
}

export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  return new Set([...a].filter((key) => b.has(key)));
}

/** Reads a FieldsV1 tree into a set. */
export function fromFieldsV1(tree: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: JsonObject, path: string[]) => {
    for (const [element, child] of Object.entries(node)) {
      if (element === ".") {
        out.add(pathKey(path));
        continue;
      }
      const childPath = [...path, element];
      if (!isRecord(child) || Object.keys(child).length === 0) out.add(pathKey(childPath));
      else walk(child, childPath);
    }
  };
  if (isRecord(tree)) walk(tree, []);
  return out;
}

// FieldsV1 lists children as kube-apiserver does: `.` first, then fields, keys, values, indexes.
const RANKS: Readonly<Record<string, number>> = { ".": 0, f: 1, k: 2, v: 3, i: 4 };
const elementRank = (element: string): number => RANKS[element[0] ?? ""] ?? -1;

export function compareElements(a: string, b: string): number {
  const rank = elementRank(a) - elementRank(b);
  if (rank !== 0) return rank;
  if (a.startsWith("i:")) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A field set as a tree of path elements: a node is `member` when its path is in the set. */
export interface FieldTree {
  member: boolean;
  children: Map<string, FieldTree>;
}

export const emptyTree = (): FieldTree => ({ member: false, children: new Map() });

/** The child of `node` at `element`, made when missing. */
export function childTree(node: FieldTree, element: string): FieldTree {
  let child = node.children.get(element);
  if (!child) {
    child = emptyTree();
    node.children.set(element, child);
  }
  return child;
}

/** Writes a tree as FieldsV1, children in kube-apiserver's order. */
export function treeToFieldsV1(node: FieldTree): JsonObject {
  const out: JsonObject = {};
  if (node.member && node.children.size > 0) out["."] = {};
  for (const element of [...node.children.keys()].sort(compareElements)) {
    const child = node.children.get(element);
    if (child) out[element] = treeToFieldsV1(child);
  }
  return out;
}

/** Writes a set as a FieldsV1 tree. */
export function toFieldsV1(set: FieldSet): JsonObject {
  const root = emptyTree();
  for (const key of set) {
    let node = root;
    for (const element of pathOf(key)) node = childTree(node, element);
    node.member = true;
  }
  return treeToFieldsV1(root);
}
