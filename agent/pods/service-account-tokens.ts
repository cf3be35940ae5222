// Service-account tokens for pods' projected volumes, as kubelet's token manager keeps them: one
// per pod, audience and lifetime, asked of the control plane (a TokenRequest bound to the pod)
// when first needed and again once 80% of its life has passed or it is a day old. While the
// control plane is unreachable a still-valid token keeps being served, so pods keep working.

import type { Pod } from "../../schemas/core/pod.ts";

export interface TokenRequest {
  namespace: string;
  serviceAccount: string;
  pod: string;
  podUid: string;
  audiences?: string[];
  expirationSeconds: number;
}

export interface IssuedToken {
  token: string;
  /** RFC 3339. */
  expirationTimestamp: string;
}

/** Asks the control plane for a token; rejects with a message saying why not. */
export type TokenIssuer = (request: TokenRequest) => Promise<IssuedToken>;

/** What a projected volume asks for a serviceAccountToken source. */
export interface TokenSource {
  token(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** TokenRequest's floor; a projected source asking for less gets this (upstream validation refuses less). */
const MIN_EXPIRATION_SECONDS = 600;

interface Cached {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

export class ServiceAccountTokens implements TokenSource {
  private readonly issue: TokenIssuer;
  private readonly now: () => number;
  private readonly cache = new Map<string, Cached>();

  constructor(issue: TokenIssuer, now: () => number = Date.now) {
    this.issue = issue;
    this.now = now;
  }

  async token(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const uid = pod.metadata.uid ?? "";
    const seconds = Math.max(expirationSeconds, MIN_EXPIRATION_SECONDS);
    const key = `${uid}\0${audience ?? ""}\0${seconds}`;
    const now = this.now();
    const have = this.cache.get(key);
    if (have && !needsRefresh(have, now)) return have.token;
    try {
      const issued = await this.issue({
        namespace: pod.metadata.namespace ?? "default",
        serviceAccount: pod.spec?.serviceAccountName || "default",
        pod: pod.metadata.name ?? "",
        podUid: uid,
        ...(audience ? { audiences: [audience] } : {}),
        expirationSeconds: seconds,
      });
      const expiresAt = Date.parse(issued.expirationTimestamp);
      this.cache.set(key, {
        token: issued.token,
        issuedAt: now,
        expiresAt: Number.isFinite(expiresAt) ? expiresAt : now,
      });
      return issued.token;
    } catch (err) {
      // Offline or refused: a token that has not expired still works, so keep serving it.
      if (have && have.expiresAt > now) return have.token;
      throw err;
    }
  }

  /** Drops the tokens of a pod that is gone from this node. */
  forget(uid: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${uid}\0`)) this.cache.delete(key);
  }
}

function needsRefresh(t: Cached, now: number): boolean {
  const age = now - t.issuedAt;
  return age > 0.8 * (t.expiresAt - t.issuedAt) || age > DAY_MS;
}
