// Strategic merge patch (application/strategic-merge-patch+json): what `kubectl apply` (client
// side), `set image`, `rollout restart` and `cordon` send. It is a JSON merge patch (`null` deletes,
// maps merge) except that lists whose field has a merge key (patch-meta.ts) merge element by element,
// and that these directives are honoured:
//   $patch: replace | delete | merge      in a map, or as an element of a keyed list
//   $retainKeys: [...]                   keep only these keys of the original map
//   $setElementOrder/<list>: [...]       the order of the merged list
//   $deleteFromPrimitiveList/<list>: [] remove these scalars from a merged scalar list
// Deliberate differences from kube-apiserver: malformed directives are 400 BadRequest (upstream
// answers some with a 500); `$patch: merge` is accepted as a no-op (upstream rejects it); a map
// deleted with `$patch: delete` loses its key (upstream leaves `{}`, which Go's omitempty drops).

import type { KubeObject } from "../../../schemas/object.ts";
import { badRequest } from "../errors.ts";
import { clone, deepEqual, isRecord, type JsonObject } from "./json.ts";
import { childMeta, type FieldMeta, genericMeta } from "./patch-meta.ts";
import { checkSetElementOrder, identityFor, orderMerged } from "./strategic-order.ts";

const directive = "$patch";
const retainKeys = "$retainKeys";
const setOrderPrefix = "$setElementOrder/";
const deletePrefix = "$deleteFromPrimitiveList/";

/** What merging a map that carries `$patch: delete` yields: its key goes away. */
const deleted = Symbol("deleted");

function isDirectiveKey(key: string): boolean {
  return key === directive || key === retainKeys || key.startsWith(setOrderPrefix) || key.startsWith(deletePrefix);
}

function listOf(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw badRequest(`invalid patch format of ${what}`);
  return value;
}

function mergeValue(original: unknown, patch: unknown, meta: FieldMeta | undefined, order?: unknown[]): unknown {
  if (isRecord(patch)) {
    const base = isRecord(original) && !meta?.replace ? { ...original } : {};
    return mergeMap(base, patch, meta);
  }
  if (Array.isArray(patch)) return mergeList(Array.isArray(original) ? original : [], patch, meta, order);
  return clone(patch);
}

/** Merges `patch` into `original` (a copy the caller owns and lets this function change). */
function mergeMap(original: JsonObject, patch: JsonObject, meta: FieldMeta | undefined): JsonObject | typeof deleted {
  const mode = patch[directive];
  if (mode !== undefined) {
    if (mode === "delete") return deleted;
    if (mode === "replace") {
      const { [directive]: _, ...rest } = patch;
      return mergeMap({}, rest, meta);
    }
    if (mode !== "merge") throw badRequest(`unknown patch type: ${JSON.stringify(mode)} in map`);
  }
  if (patch[retainKeys] !== undefined) applyRetainKeys(original, patch);

  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(deletePrefix)) continue;
    const field = key.slice(deletePrefix.length);
    const remove = listOf(value, "primitive list");
    const current = original[field];
    if (Array.isArray(current)) original[field] = current.filter((item) => !remove.some((r) => deepEqual(r, item)));
  }

  for (const [key, value] of Object.entries(patch)) {
    if (isDirectiveKey(key)) continue;
    if (value === null) {
      delete original[key];
      continue;
    }
    const order = patch[setOrderPrefix + key];
    const merged = mergeValue(
      original[key],
      value,
      childMeta(meta, key),
      order === undefined ? undefined : listOf(order, "setElementOrder list"),
    );
    if (merged === deleted) delete original[key];
    else original[key] = merged;
  }

  // An order directive without its list reorders what the server has.
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(setOrderPrefix)) continue;
    const field = key.slice(setOrderPrefix.length);
    const current = original[field];
    if (field in patch || !Array.isArray(current)) continue;
    const id = identityFor(childMeta(meta, field)?.mergeKey);
    original[field] = orderMerged(current, listOf(value, "setElementOrder list"), current, id);
  }
  return original;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  const keep = listOf(patch[retainKeys], "retainKeys");
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || isDirectiveKey(key)) continue;
    if (!keep.includes(key)) throw badRequest("invalid patch format of retainKeys");
  }
  for (const key of Object.keys(original)) if (!keep.includes(key)) delete original[key];
}

function mergeList(original: unknown[], patch: unknown[], meta: FieldMeta | undefined, order?: unknown[]): unknown[] {
  const mergeKey = meta?.mergeKey;
  if (!mergeKey && !meta?.mergeSet) {
    // Replaced whole. Elements are still cleaned of directives and nulls.
    return withoutDeleted(patch.filter((item) => !isOnlyDirective(item)).map((item) => stripElement(item, meta)));
  }
  const id = identityFor(mergeKey);
  let result = [...original];
  const plain: unknown[] = [];
  let replace = false;
  for (const item of patch) {
    const mode = isRecord(item) ? item[directive] : undefined;
    if (mode === undefined || mode === "merge") {
      if (mergeKey && !isRecord(item)) throw badRequest(`a list merged by ${mergeKey} must hold objects`);
      plain.push(item);
    } else if (mode === "replace") replace = true;
    else if (mode === "delete" && mergeKey) {
      const key = requireKey(item, mergeKey);
      result = result.filter((o) => !(isRecord(o) && deepEqual(o[mergeKey], key)));
    } else throw badRequest(`unknown patch type: ${JSON.stringify(mode)} in list`);
  }
  if (replace) return withoutDeleted(plain.map((item) => stripElement(item, meta)));
  if (order) checkSetElementOrder(plain, order, id);

  for (const item of plain) {
    if (!mergeKey) {
      if (!result.some((o) => deepEqual(o, item))) result.push(clone(item));
      continue;
    }
    const key = requireKey(item, mergeKey);
    const at = result.findIndex((o) => isRecord(o) && deepEqual(o[mergeKey], key));
    const merged = mergeValue(at >= 0 ? result[at] : undefined, stripDirective(item), meta?.items);
    if (at >= 0) result[at] = merged;
    else result.push(merged);
  }
  if (!mergeKey) result = result.filter((item, i) => result.findIndex((o) => deepEqual(o, item)) === i);
  return orderMerged(result, order ?? plain, original, id);
}

function requireKey(item: unknown, mergeKey: string): unknown {
  const key = isRecord(item) ? item[mergeKey] : undefined;
  if (key === undefined)
    throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
  return key;
}

function isOnlyDirective(item: unknown): boolean {
  return isRecord(item) && Object.keys(item).length === 1 && item[directive] !== undefined;
}

function stripDirective(item: unknown): unknown {
  if (!isRecord(item) || item[directive] === undefined) return item;
  const { [directive]: _, ...rest } = item;
  return rest;
}

function withoutDeleted(items: unknown[]): unknown[] {
  return items.filter((item) => item !== deleted);
}

function stripElement(item: unknown, meta: FieldMeta | undefined): unknown {
  return mergeValue(undefined, stripDirective(item), meta?.items);
}

/** Strategic-merges a patch into any JSON map, returning a new map; neither argument is mutated. */
export function strategicMergeMap(original: JsonObject, patch: JsonObject, meta: FieldMeta | undefined): JsonObject {
  const merged = mergeMap(clone(original), patch, meta);
  return merged === deleted ? {} : merged;
}

/**
 * Applies a strategic merge patch to `live`. `meta` is the kind's table entry (patchMetaFor);
 * kinds without one (custom resources) merge like a JSON merge patch, with directives honoured.
 */
export function applyStrategicMergePatch(live: KubeObject, body: unknown, meta?: FieldMeta): KubeObject {
  if (!isRecord(body)) throw badRequest("a strategic merge patch must be a JSON object");
  const result = strategicMergeMap(live, body, meta ?? genericMeta);
  if (!isRecord(result.metadata)) throw badRequest("the patched object has no metadata");
  return result as KubeObject;
}
