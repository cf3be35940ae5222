// The hash a container carries as a label (LABEL_SPEC_HASH). kubelet compares it with the hash of
// the desired spec to decide whether a running container still is what the pod asks for: equal
// means keep it (an agent restart must not restart healthy containers), different means replace it.

import { createHash } from "node:crypto";
import type { Container } from "../../schemas/core/container.ts";

/** JSON with object keys sorted and undefined fields dropped, so equal specs hash equally. */
export function stableJSON(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : stableJSON(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJSON(v)}`).join(",")}}`;
}

export function containerSpecHash(container: Container): string {
  return createHash("sha256").update(stableJSON(container)).digest("hex").slice(0, 16);
}
