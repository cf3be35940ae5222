// The pod-template-hash: a short name for a pod template, used in ReplicaSet names and as the
// label that keeps one ReplicaSet's pods apart from another's. Upstream hashes the template's Go
// printout with FNV-32a (plus the collision count) and writes the number's decimal digits through
// rand.SafeEncodeString's alphabet; this does the same over a canonical JSON form, so a hash is
// stable across runs and processes (it need not equal upstream's: nothing compares the two).

import type { PodTemplateSpec } from "../../../schemas/core/pod-spec.ts";

export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** Upstream's alphabet for names: no vowels (no words), no 0/1/3 (no look-alikes). */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * A canonical JSON value: keys sorted, and null, empty lists and empty maps dropped, because
 * upstream compares templates with semantic equality, where a nil and an empty list are equal.
 */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalize);
    return items.length === 0 ? undefined : items;
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = normalize((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value === null ? undefined : value;
}

/** The template without its pod-template-hash label, canonically serialised. */
function canonicalTemplate(template: PodTemplateSpec | undefined): string {
  const labels = { ...(template?.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  const copy = { ...(template ?? {}), metadata: { ...(template?.metadata ?? {}), labels } };
  return JSON.stringify(normalize(copy) ?? {});
}

/**
 * Upstream's EqualIgnoreHash: two templates are the same when they differ at most in the hash
 * label (a ReplicaSet's template carries it, the Deployment's does not).
 */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalTemplate(a) === canonicalTemplate(b);
}

function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const byte of bytes) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The pod-template-hash of a template. The collision count (status.collisionCount) is mixed in
 * as four little-endian bytes, as upstream does, so that a name taken by a different template
 * yields a new name when the count goes up.
 */
export function podTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalTemplate(template)));
  if (collisionCount !== undefined) {
    const n = collisionCount >>> 0;
    h = fnv32a(new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]), h);
  }
  let out = "";
  for (const digit of String(h)) out += SAFE_ALPHABET[digit.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}
