import { expect, it } from "vitest";
import { hashAdminToken, isAdminTokenHash, newAdminToken, tokenMatchesHash } from "./admin-token.ts";

it("makes 32 random bytes, base64url", () => {
  const token = newAdminToken();
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(Buffer.from(token, "base64url")).toHaveLength(32);
  expect(newAdminToken()).not.toBe(token);
});

it("hashes with SHA-256 over the token's UTF-8, lowercase hex", () => {
  // The FIPS 180-2 test vector: what the Worker computes for the bearer token must equal this.
  expect(hashAdminToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const token = newAdminToken();
  expect(isAdminTokenHash(hashAdminToken(token))).toBe(true);
  expect(tokenMatchesHash(token, hashAdminToken(token))).toBe(true);
  expect(tokenMatchesHash(`${token}x`, hashAdminToken(token))).toBe(false);
});

it("rejects placeholders and malformed hashes", () => {
  expect(isAdminTokenHash("0000")).toBe(false);
  expect(isAdminTokenHash(undefined)).toBe(false);
  expect(isAdminTokenHash("A".repeat(64))).toBe(false);
  expect(tokenMatchesHash("abc", "0000")).toBe(false);
});
