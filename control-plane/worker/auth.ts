// Bearer-token authentication. Tokens are random; only their SHA-256 is stored (the deployment
// admin's as the ADMIN_TOKEN_HASH Worker secret), compared in constant time. Results are cached
// briefly per isolate so a kubectl burst costs one hash per token, and repeated failures from one
// client are throttled.

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { ApiError, unauthorized } from "../api/errors.ts";
import type { CredentialIdentity } from "../durable-objects/store/types.ts";

/**
 * The audience of tokens meant for this API server (upstream's default --api-audiences, which
 * TokenRequest gives a token when the request names none). A token for another audience (a
 * projected token for Vault, say) never authenticates here.
 */
export const API_AUDIENCE = "https://kubernetes.default.svc.cluster.local";

export interface Identity {
  /** `kflare:admin` is the deployment-level admin; `system:node:<name>` a node; `system:serviceaccount:<ns>:<name>` a service account. */
  user: string;
  groups: string[];
  /** The cluster a token is valid for; undefined means every cluster (the deployment admin). */
  cluster: string | undefined;
  /** For node credentials: the node. */
  node?: string;
  /** For service-account tokens: the account, and the pod a bound token belongs to. */
  serviceAccount?: { namespace: string; name: string; uid: string; pod?: { name: string; uid: string } };
  /** Set by impersonation (Impersonate-Uid, Impersonate-Extra-*): shown by `kubectl auth whoami`. */
  uid?: string;
  extra?: Record<string, string[]>;
}

const encoder = new TextEncoder();

/**
 * Every request hashes its token, so this is on the path of each one. Hashing a token of a few
 * dozen bytes in JavaScript takes microseconds; WebCrypto's digest is a promise, and resuming the
 * request after it cost about 3% of workerd's CPU per create in bench:api's profile (node:crypto's
 * Hash, a Transform stream under nodejs_compat, more still).
 */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
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
  /** Who a credential hash belongs to in that cluster (a node or a service account), if anyone. */
  credentialFor: (hash: string) => Promise<CredentialIdentity | undefined>;
  /** How long a token's identity is cached per isolate (default 10 s, as kube-apiserver's token cache). */
  cacheMs?: number;
}

/** Upstream's privileged group: allowed everything, whatever RBAC says. */
export const SUPERUSER_GROUP = "system:masters";

export function isSuperuser(identity: Identity): boolean {
  return identity.groups.includes(SUPERUSER_GROUP);
}

export function nodeIdentity(node: string, cluster: string): Identity {
  return { user: `system:node:${node}`, groups: ["system:nodes", "system:authenticated"], cluster, node };
}

/** A service account's user and groups, as upstream names them (what RBAC subjects match). */
export function serviceAccountIdentity(sa: NonNullable<Identity["serviceAccount"]>, cluster: string): Identity {
  return {
    user: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${sa.namespace}`, "system:authenticated"],
    cluster,
    serviceAccount: sa,
  };
}

function clusterIdentity(found: CredentialIdentity | undefined, cluster: string): Identity | null {
  if (!found) return null;
  return "node" in found ? nodeIdentity(found.node, cluster) : serviceAccountIdentity(found.serviceAccount, cluster);
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
  const hash = sha256Hex(token);
  const key = `${config.cluster}/${hash}`;
  const cached = cache.get(key);
  let identity: Identity | null;
  if (cached && cached.until > now) identity = cached.identity;
  else {
    identity = config.adminTokenHash && digestsEqual(hash, config.adminTokenHash.toLowerCase()) ? ADMIN : null;
    identity ??= clusterIdentity(await config.credentialFor(hash), config.cluster);
    cache.set(key, { identity, until: now + (config.cacheMs ?? CACHE_MS) });
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
  groups: [SUPERUSER_GROUP, "system:authenticated"],
  cluster: undefined,
};
