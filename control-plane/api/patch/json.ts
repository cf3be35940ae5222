// Small helpers over parsed JSON values, shared by every patch dialect. Values are plain JSON
// (objects, arrays, strings, numbers, booleans, null): what JSON.parse and the YAML parser return.

import { isRecord } from "../../../schemas/object.ts";

export { isRecord };

export type JsonObject = Record<string, unknown>;

/** Structural equality of two JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isRecord(a)) {
    if (!isRecord(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** A deep copy, so that a patch never aliases (and later mutates) the caller's objects. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
