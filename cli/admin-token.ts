// The admin credential. The server side only ever sees the token's SHA-256 (a Worker secret after
// `wrangler deploy`, `.dev.vars` locally: one code path); the plaintext lives in the kubeconfig.
import { createHash, timingSafeEqual } from "node:crypto";

const TOKEN_BYTES = 32;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** A new random admin token: 32 bytes from the CSPRNG, base64url (43 characters, no padding). */
export function newAdminToken(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(TOKEN_BYTES))).toString("base64url");
}

/** The value stored server-side: lowercase hex SHA-256 of the token's UTF-8 bytes. */
export function hashAdminToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** True for a well-formed stored hash (placeholders such as "0000" are not). */
export function isAdminTokenHash(value: string | undefined): value is string {
  return value !== undefined && HASH_PATTERN.test(value);
}

/** Whether `token` hashes to `hash`, compared in constant time. */
export function tokenMatchesHash(token: string, hash: string): boolean {
  if (!isAdminTokenHash(hash)) return false;
  return timingSafeEqual(Buffer.from(hashAdminToken(token), "hex"), Buffer.from(hash, "hex"));
}
