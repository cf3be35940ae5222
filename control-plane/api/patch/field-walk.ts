// Walks over objects in terms of field paths, guided by the kind's FieldMeta: which fields an
// applied configuration sets, which fields a write changed, whether a path still exists, and how to
// remove one. Maps and structs are granular unless marked atomic; lists are atomic unless they are
// keyed ("map") lists or sets (patch-meta.ts).

import { ApiError, badRequest } from "../errors.ts";
import {
  type FieldPath,
  type FieldSet,
  fieldElement,
  keyElement,
  pathKey,
  pathOf,
  pathString,
  valueElement,
} from "./field-path.ts";
import { deepEqual, isRecord, type JsonObject } from "./json.ts";
import { childMeta, type FieldMeta, listTypeOf } from "./patch-meta.ts";

/** metadata's fields no manager owns: identity and server bookkeeping (as kube-apiserver strips them). */
const UNOWNED_METADATA = new Set([
  "name",
  "namespace",
  "creationTimestamp",
  "selfLink",
  "uid",
  "generation",
  "managedFields",
  "resourceVersion",
]);

/** Paths no manager owns: the type, metadata itself and the fields above. */
const unowned = new Set(
  [["apiVersion"], ["kind"], ["metadata"], ...[...UNOWNED_METADATA].map((f) => ["metadata", f])].map((p) =>
    pathKey(p.map(fieldElement)),
  ),
);

/** What the key of a path under an unowned metadata field starts with: `["f:metadata","f:uid",`. */
const unownedPrefixes = [...unowned]
  .filter((key) => key.startsWith('["f:metadata",'))
  .map((key) => `${key.slice(0, -1)},`);
const METADATA_PREFIX = '["f:metadata",';

// String tests on the keys, not parsed paths: this runs over every field of every object written.
function withoutUnowned(set: FieldSet): FieldSet {
  for (const key of set) {
    if (unowned.has(key)) set.delete(key);
    else if (key.startsWith(METADATA_PREFIX) && unownedPrefixes.some((p) => key.startsWith(p))) set.delete(key);
  }
  return set;
}

function isGranularMap(value: unknown, meta: FieldMeta | undefined): value is Record<string, unknown> {
  return isRecord(value) && !meta?.atomic;
}

function isGranularList(value: unknown, meta: FieldMeta | undefined): value is unknown[] {
  return Array.isArray(value) && listTypeOf(meta) !== "atomic";
}

/**
 * The fields an applied configuration sets: its leaves, the elements of keyed lists and sets, and
 * atomic values (an empty map or list is a leaf). Nulls set nothing. A keyed-list element without
 * its key is a 400, a repeated key a 422, as kube-apiserver answers them.
 */
export function appliedFields(applied: Record<string, unknown>, meta: FieldMeta | undefined): FieldSet {
  const out: FieldSet = new Set();
  const walk = (value: unknown, meta: FieldMeta | undefined, path: string[]) => {
    if (value === null) return;
    if (isGranularMap(value, meta) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, childMeta(meta, k), [...path, fieldElement(k)]);
    } else if (isGranularList(value, meta) && value.length > 0) {
      const seen = new Set<string>();
      for (const item of value) {
        const element = listTypeOf(meta) === "set" ? valueElement(item) : keyElement(item, meta);
        if (element === undefined) {
          throw badRequest(`${pathString(path)}: associative list element omits a key field`);
        }
        if (seen.has(element)) {
          throw new ApiError(422, "Invalid", `${pathString(path)}: duplicate entries for key ${pathString([element])}`);
        }
        seen.add(element);
        out.add(pathKey([...path, element]));
        if (isRecord(item)) walk(item, meta?.items, [...path, element]);
      }
      return;
    } else {
      out.add(pathKey(path));
    }
  };
  for (const [k, v] of Object.entries(applied)) walk(v, childMeta(meta, k), [fieldElement(k)]);
  return withoutUnowned(out);
}

// A keyed-list element walks its fields as a struct: recursing on the element reuses the map case.
function elementsByKey(list: unknown[], meta: FieldMeta | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const item of list) {
    const element = listTypeOf(meta) === "set" ? valueElement(item) : keyElement(item, meta);
    if (element !== undefined && !out.has(element)) out.set(element, item);
  }
  return out;
}

/**
 * What a write added or modified, going from `before` to `after`: changed leaves, plus every map,
 * list and list element that did not exist before (kube-apiserver records those as owned too).
 */
export function changedFields(before: unknown, after: unknown, meta: FieldMeta | undefined): FieldSet {
  const out: FieldSet = new Set();
  const walk = (a: unknown, b: unknown, meta: FieldMeta | undefined, path: string[]) => {
    const emptyBoth = isEmpty(a) && isEmpty(b);
    if (isGranularMap(b, meta) && !emptyBoth) {
      if (!isRecord(a) && path.length > 0) out.add(pathKey(path));
      for (const [k, v] of Object.entries(b)) {
        walk(isRecord(a) ? a[k] : undefined, v, childMeta(meta, k), [...path, fieldElement(k)]);
      }
    } else if (isGranularList(b, meta) && !emptyBoth) {
      if (!Array.isArray(a)) out.add(pathKey(path));
      const old = elementsByKey(Array.isArray(a) ? a : [], meta);
      for (const [element, item] of elementsByKey(b, meta)) {
        const elementPath = [...path, element];
        if (listTypeOf(meta) === "set") {
          if (!old.has(element)) out.add(pathKey(elementPath));
          continue;
        }
        if (!old.has(element)) out.add(pathKey(elementPath));
        walk(old.get(element), item, meta?.items, elementPath);
      }
    } else if (!deepEqual(a, b)) {
      out.add(pathKey(path));
    }
  };
  walk(before ?? {}, after, meta, []);
  return withoutUnowned(out);
}

/**
 * The FieldsV1 of everything a new object sets: `toFieldsV1(changedFields(undefined, obj, meta))`,
 * written out in one walk (every create records it; the tests hold the two equal, key order
 * included). A node's children share their kind of element (all `f:` in a map, all `k:` or all
 * `v:` in a list), so sorting their names sorts them as compareElements would, and each node is
 * written in order straight away: a tree of Maps in between was a quarter of what a pod create
 * allocated.
 */
export function createdFieldsV1(obj: Record<string, unknown>, meta: FieldMeta | undefined): JsonObject {
  const out: JsonObject = {};
  for (const k of sortedInPlace(Object.keys(obj))) {
    if (k === "apiVersion" || k === "kind") continue;
    const v = obj[k];
    const m = childMeta(meta, k);
    if (k !== "metadata") {
      if (v !== undefined) out[fieldElement(k)] = createdNode(v, m);
      continue;
    }
    // metadata itself and its identity fields are the server's; its other fields are owned.
    if (!isGranularMap(v, m)) continue;
    let owned: JsonObject | undefined;
    for (const mk of sortedInPlace(Object.keys(v))) {
      if (UNOWNED_METADATA.has(mk)) continue;
      owned ??= {};
      const mv = v[mk];
      if (mv !== undefined) owned[fieldElement(mk)] = createdNode(mv, childMeta(m, mk));
    }
    if (owned) out[fieldElement(k)] = owned;
  }
  return out;
}

/**
 * Sorts a few names in place, as `sort()` orders them (by UTF-16 code units). `sort()` copies the
 * array into a work array first; a pod's managed fields sort dozens of small key lists per write.
 */
function sortedInPlace(names: string[]): string[] {
  if (names.length > 16) return names.sort();
  for (let i = 1; i < names.length; i++) {
    const name = names[i]!;
    let j = i - 1;
    while (j >= 0 && names[j]! > name) {
      names[j + 1] = names[j]!;
      j--;
    }
    names[j + 1] = name;
  }
  return names;
}

/**
 * The FieldsV1 of a leaf: one frozen `{}` shared by every leaf of every object written (a pod has
 * dozens; each was an allocation per create). Frozen, so a caller that tried to grow one would fail
 * loudly instead of changing them all.
 */
const LEAF: JsonObject = Object.freeze({}) as JsonObject;

/** `f:<name>` for the field names objects keep using, made once (each was a new string per field per create). */
const fieldElements = new Map<string, string>();

function fieldElementOf(name: string): string {
  let element = fieldElements.get(name);
  if (element === undefined) {
    element = fieldElement(name);
    if (fieldElements.size >= 4096) fieldElements.clear();
    fieldElements.set(name, element);
  }
  return element;
}

/** The FieldsV1 of a value a new object sets, and of everything inside it: "." first when it has children. */
function createdNode(value: unknown, meta: FieldMeta | undefined): JsonObject {
  if (typeof value !== "object" || value === null) return LEAF;
  const out: JsonObject = {};
  if (isGranularMap(value, meta)) {
    const keys = Object.keys(value);
    sortedInPlace(keys);
    for (const k of keys) {
      const v = value[k];
      if (v === undefined) continue;
      out["."] ??= LEAF;
      out[fieldElementOf(k)] = createdNode(v, childMeta(meta, k));
    }
  } else if (isGranularList(value, meta) && value.length > 0) {
    const set = listTypeOf(meta) === "set";
    const elements = elementsByKey(value, meta);
    for (const el of sortedInPlace([...elements.keys()])) {
      out["."] ??= LEAF;
      out[el] = set ? LEAF : createdNode(elements.get(el), meta?.items);
    }
  }
  return out;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

interface Location {
  parent: unknown;
  /** The key in the parent map, or the index in the parent list. */
  at: string | number;
  value: unknown;
}

/** Finds what a path names in `obj`, or undefined when it does not exist. */
function locate(obj: unknown, path: FieldPath, meta: FieldMeta | undefined): Location | undefined {
  let location: Location | undefined;
  let current = obj;
  let currentMeta = meta;
  for (const element of path) {
    const body = element.slice(2);
    if (element.startsWith("f:")) {
      if (!isRecord(current) || !Object.hasOwn(current, body)) return undefined;
      location = { parent: current, at: body, value: current[body] };
      currentMeta = childMeta(currentMeta, body);
    } else {
      if (!Array.isArray(current)) return undefined;
      const list = current;
      const listMeta = currentMeta;
      const index = element.startsWith("i:")
        ? Number(body)
        : list.findIndex((item) =>
            element.startsWith("v:") ? valueElement(item) === element : keyElement(item, listMeta) === element,
          );
      if (index < 0 || index >= list.length) return undefined;
      location = { parent: list, at: index, value: list[index] };
      currentMeta = listMeta?.items;
    }
    current = location.value;
  }
  return location;
}

export function pathExists(obj: unknown, key: string, meta: FieldMeta | undefined): boolean {
  return locate(obj, pathOf(key), meta) !== undefined;
}

/** Removes what a path names from `obj` (in place); a path that does not exist is ignored. */
export function removePath(obj: unknown, key: string, meta: FieldMeta | undefined): void {
  const location = locate(obj, pathOf(key), meta);
  if (!location) return;
  if (Array.isArray(location.parent) && typeof location.at === "number") location.parent.splice(location.at, 1);
  else if (isRecord(location.parent) && typeof location.at === "string") delete location.parent[location.at];
}
