// Bearer-token authentication. Tokens are random; only their SHA-256 is stored (the deployment
// admin's as the ADMIN_TOKEN_HASH Worker secret), compared in constant time. Results are cached
// briefly per isolate so a kubectl burst costs one hash per token, and repeated failures from one
// client are throttled.

import { ApiError, unauthorized } from "../api/errors.ts";

export interface Identity {
  /** `kflare:admin` is the deployment-level admin; cluster-scoped identities come later (nodes, service accounts). */
  user: string;
  groups: string[];
  /** The cluster a token is valid for; undefined means every cluster (the deployment admin). */
  cluster: string | undefined;
  /** For node credentials: the node. */
  node?: string;
}

const encoder = new TextEncoder();

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time equality of two hex digests of equal length. */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const ea = encoder.encode(a);
  const eb = encoder.encode(b);
  // workerd offers timingSafeEqual on SubtleCrypto; Node does not, hence the fallback.
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (x: ArrayBufferView, y: ArrayBufferView) => boolean;
  };
  if (subtle.timingSafeEqual) return subtle.timingSafeEqual(ea, eb);
  let diff = 0;
  for (let i = 0; i < ea.length; i++) diff |= ea[i]! ^ eb[i]!;
  return diff === 0;
}

const CACHE_MS = 10_000;
const cache = new Map<string, { identity: Identity | null; until: number }>();

const FAILURE_WINDOW_MS = 60_000;
const MAX_FAILURES = 20;
const failures = new Map<string, { count: number; since: number }>();

function throttled(client: string, now: number): boolean {
  const f = failures.get(client);
  if (!f || now - f.since > FAILURE_WINDOW_MS) return false;
  return f.count >= MAX_FAILURES;
}

function recordFailure(client: string, now: number): void {
  const f = failures.get(client);
  if (!f || now - f.since > FAILURE_WINDOW_MS) failures.set(client, { count: 1, since: now });
  else f.count++;
  if (failures.size > 10_000) failures.clear();
}

export interface AuthConfig {
  adminTokenHash: string | undefined;
  /** The cluster the request is for: cluster-scoped credentials are looked up in its store. */
  cluster: string;
  /** The node a credential hash belongs to in that cluster, if any. */
  nodeFor: (hash: string) => Promise<string | undefined>;
}

export function nodeIdentity(node: string, cluster: string): Identity {
  return { user: `system:node:${node}`, groups: ["system:nodes", "system:authenticated"], cluster, node };
}

/** Who a request is, from its Authorization header; throws 401 (or 429 when throttled). */
export async function authenticate(header: string | null, client: string, config: AuthConfig): Promise<Identity> {
  const now = Date.now();
  if (throttled(client, now)) {
    throw new ApiError(429, "TooManyRequests", "Too many failed authentication attempts; try again later", {
      retryAfterSeconds: 60,
    });
  }
  const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : "";
  if (!token) {
    recordFailure(client, now);
    throw unauthorized();
  }
  const hash = await sha256Hex(token);
  const key = `${config.cluster}/${hash}`;
  const cached = cache.get(key);
  let identity: Identity | null;
  if (cached && cached.until > now) identity = cached.identity;
  else {
    identity = config.adminTokenHash && digestsEqual(hash, config.adminTokenHash.toLowerCase()) ? ADMIN : null;
    if (!identity) {
      const node = await config.nodeFor(hash);
      if (node) identity = nodeIdentity(node, config.cluster);
    }
    cache.set(key, { identity, until: now + CACHE_MS });
    if (cache.size > 10_000) cache.clear();
  }
  if (!identity) {
    recordFailure(client, now);
    throw unauthorized();
  }
  return identity;
}

const ADMIN: Identity = {
  user: "kflare:admin",
  groups: ["system:masters", "system:authenticated"],
  cluster: undefined,
};
