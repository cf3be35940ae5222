// Fixtures shared by the printer tests: one fixed clock and an object builder.

import type { KubeObject } from "../../../schemas/object.ts";

export const NOW = Date.parse("2025-06-01T12:00:00Z");

/** An RFC 3339 timestamp `ms` before NOW. */
export function ago(ms: number): string {
  return new Date(NOW - ms).toISOString();
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An object of the given kind, five minutes old, with the extra top-level fields given. */
export function obj(
  apiVersion: string,
  kind: string,
  fields: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: { name: "x", namespace: "default", creationTimestamp: ago(5 * MINUTE), ...metadata },
    ...fields,
  };
}
