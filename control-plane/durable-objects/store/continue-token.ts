// The opaque `continue` token of a paginated list: the snapshot revision and the last key served.

import { badRequest } from "../../api/errors.ts";
import type { Key } from "./revision-log.ts";

export interface ContinueToken extends Key {
  rv: number;
}

export function encodeContinue(t: ContinueToken): string {
  return btoa(JSON.stringify({ v: 1, rv: t.rv, ns: t.namespace, n: t.name }))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function decodeContinue(token: string): ContinueToken {
  try {
    const text = atob(token.replace(/-/g, "+").replace(/_/g, "/"));
    const raw = JSON.parse(text) as { v?: number; rv?: unknown; ns?: unknown; n?: unknown };
    if (raw.v === 1 && typeof raw.rv === "number" && typeof raw.ns === "string" && typeof raw.n === "string") {
      return { rv: raw.rv, namespace: raw.ns, name: raw.n };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest(`continue key is not valid: the continue token could not be decoded`);
}
