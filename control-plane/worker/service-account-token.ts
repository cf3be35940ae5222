// Minting a service-account token, for TokenRequest and for nodes' projected token volumes. The
// token is random (not a JWT): the store keeps its SHA-256 with the account's and bound pod's
// uids, so deleting either revokes it, as upstream's bound tokens are revoked. Clients never look
// inside a token, so nothing is lost by it not being a JWT.

import type { IssuedToken, TokenIssue } from "../durable-objects/store/service-account-tokens.ts";
import type { StoreResult } from "../durable-objects/store/types.ts";
import { sha256Hex } from "./auth.ts";
import { randomToken } from "./nodes.ts";
import { unwrap } from "./store-client.ts";

/** TokenRequest's floor (upstream's): no token lives less than 10 minutes. */
export const MIN_EXPIRATION_SECONDS = 600;

export interface TokenStore {
  issueServiceAccountToken(request: Omit<TokenIssue, "now">): Promise<StoreResult<IssuedToken>>;
}

export interface MintRequest {
  namespace: string;
  serviceAccount: string;
  expirationSeconds: number;
  audiences: string[];
  boundPod?: { name: string; uid?: string };
  node?: string;
}

export interface MintedToken {
  token: string;
  /** RFC 3339, whole seconds, as Kubernetes writes times. */
  expiresAt: string;
  issued: IssuedToken;
}

export async function mintServiceAccountToken(store: TokenStore, r: MintRequest): Promise<MintedToken> {
  const token = randomToken();
  const expiresAtMs = Math.floor(Date.now() / 1000) * 1000 + r.expirationSeconds * 1000;
  const issued = unwrap(
    await store.issueServiceAccountToken({
      namespace: r.namespace,
      serviceAccount: r.serviceAccount,
      hash: sha256Hex(token),
      expiresAt: expiresAtMs,
      audiences: r.audiences,
      ...(r.boundPod ? { boundPod: r.boundPod } : {}),
      ...(r.node !== undefined ? { node: r.node } : {}),
    }),
  );
  return { token, expiresAt: new Date(expiresAtMs).toISOString().replace(/\.\d{3}Z$/, "Z"), issued };
}
