// Field errors as kube-apiserver's field.ErrorList words them: each becomes a StatusCause with the
// field path ("spec.containers[0].image", "data[bad key]"), the reason ("FieldValueRequired"...) and
// the message the 422 is built from ("Invalid value: \"x\": must be ...").

import type { StatusCause } from "../errors.ts";

/**
 * "spec" + "containers" -> "spec.containers" (and a second name one level deeper). Two fixed
 * parameters rather than a rest array: validation builds a path for nearly every field of every
 * object written, and the array was an allocation each (2% of what a pod create allocated).
 */
export function child(path: string, name: string, then?: string): string {
  const out = path ? `${path}.${name}` : name;
  return then === undefined ? out : `${out}.${then}`;
}

/** "spec.containers" + 0 -> "spec.containers[0]". */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** "data" + "bad key" -> "data[bad key]". */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** How Go prints a bad value: strings quoted, numbers and booleans bare, anything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === undefined) return "null";
  return JSON.stringify(value) ?? "null";
}

function withDetail(body: string, detail: string | undefined): string {
  return detail ? `${body}: ${detail}` : body;
}

export function required(field: string, detail?: string): StatusCause {
  return { reason: "FieldValueRequired", message: withDetail("Required value", detail), field };
}

export function invalid(field: string, value: unknown, detail?: string): StatusCause {
  return { reason: "FieldValueInvalid", message: withDetail(`Invalid value: ${formatValue(value)}`, detail), field };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): StatusCause {
  const detail = supported.length ? `supported values: ${supported.map((v) => JSON.stringify(v)).join(", ")}` : "";
  return {
    reason: "FieldValueNotSupported",
    message: withDetail(`Unsupported value: ${formatValue(value)}`, detail),
    field,
  };
}

export function duplicate(field: string, value: unknown): StatusCause {
  return { reason: "FieldValueDuplicate", message: `Duplicate value: ${formatValue(value)}`, field };
}

export function forbidden(field: string, detail: string): StatusCause {
  return { reason: "FieldValueForbidden", message: withDetail("Forbidden", detail), field };
}

export function notFound(field: string, value: unknown): StatusCause {
  return { reason: "FieldValueNotFound", message: `Not found: ${formatValue(value)}`, field };
}

export function tooLong(field: string, maxBytes: number): StatusCause {
  const unit = maxBytes === 1 ? "byte" : "bytes";
  return { reason: "FieldValueTooLong", message: `Too long: may not be more than ${maxBytes} ${unit}`, field };
}

export function tooMany(field: string, actual: number, max: number): StatusCause {
  const unit = max === 1 ? "item" : "items";
  return { reason: "FieldValueTooMany", message: `Too many: ${actual}: must have at most ${max} ${unit}`, field };
}

/** Each message of a format check (names.ts) as an Invalid cause on one field. */
export function invalidEach(field: string, value: unknown, messages: readonly string[]): StatusCause[] {
  return messages.map((m) => invalid(field, value, m));
}

export const IMMUTABLE = "field is immutable";
export const NEGATIVE = "must be greater than or equal to 0";

/** Upstream's ValidateNonnegativeField. */
export function nonNegative(field: string, value: number | undefined): StatusCause[] {
  return value !== undefined && value < 0 ? [invalid(field, value, NEGATIVE)] : [];
}

/** Upstream's ValidateImmutableField: deep equality, reported with the new value. */
export function immutable(field: string, value: unknown, old: unknown): StatusCause[] {
  return deepEqual(value, old) ? [] : [invalid(field, value ?? null, IMMUTABLE)];
}

/**
 * Structural equality of JSON values, as upstream's semantic DeepEqual: an absent field equals an
 * empty string, list or map (Go's zero values), so `selector: {}` and no selector compare equal.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isZero(a) && isZero(b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of Object.keys(ra)) if (!deepEqual(ra[k], rb[k])) return false;
  for (const k of Object.keys(rb)) if (!(k in ra) && !isZero(rb[k])) return false;
  return true;
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.keys(v).length === 0;
  return false;
}
