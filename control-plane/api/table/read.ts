// Defensive readers for untyped JSON objects. A printer must never throw on a stored object that
// lacks a status or carries a wrong-typed field: it prints what Go would print for the zero value.

import { isRecord } from "../../../schemas/object.ts";

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** The value as an object, or an empty one (a nil struct pointer reads as its zero value). */
export function rec(value: unknown): Readonly<Record<string, unknown>> {
  return isRecord(value) ? value : EMPTY;
}

/** Only the object items of an array; anything else is an empty list. */
export function recs(value: unknown): Readonly<Record<string, unknown>>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

export function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Only the string items of an array. */
export function strs(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** An integer field (int32/int64 in Go): 0 when absent or not a finite number, truncated like a Go conversion. */
export function int(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0;
}

/** Number of keys of a map field (len(map) in Go; 0 for nil). */
export function size(value: unknown): number {
  return isRecord(value) ? Object.keys(value).length : 0;
}

/** A map of string values (labels, selectors); non-string values are skipped. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(value))) if (typeof v === "string") out[k] = v;
  return out;
}

/** An optional nested object (a Go pointer): undefined when absent or null, else the object. */
export function opt(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return isRecord(value) ? value : undefined;
}
