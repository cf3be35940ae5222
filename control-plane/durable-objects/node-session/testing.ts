// What the node-link tests inside workerd share: requests to the Worker as the admin (or with a
// given token), a fresh cluster with a bootstrap token, joining a node, and a bounded poll.

import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { PROTOCOL_VERSION } from "../../../schemas/agent/protocol.ts";

/** The admin token the test bindings accept (its SHA-256 is ADMIN_TOKEN_HASH). */
export const ADMIN = "test";
export const BOOTSTRAP_ID = "abcdef";
const BOOTSTRAP_SECRET = "0123456789abcdef";
let seq = 0;

export async function call(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${init.token ?? ADMIN}`);
  if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
  return exports.default.fetch(new Request(`https://kflare.test${path}`, { ...init, headers }));
}

export async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The kube-system Secret behind the test's bootstrap token, and the SHA-256 of its secret half. */
export async function bootstrapTokenSecret(
  expiresInMs = 3_600_000,
): Promise<{ secret: { metadata: { name: string }; type: string; data: Record<string, string> }; secretHash: string }> {
  const secretHash = await sha256Hex(BOOTSTRAP_SECRET);
  const data = {
    "token-id": btoa(BOOTSTRAP_ID),
    "token-secret-sha256": btoa(secretHash),
    expiration: btoa(new Date(Date.now() + expiresInMs).toISOString()),
    "usage-bootstrap-authentication": btoa("true"),
  };
  return {
    secret: { metadata: { name: `bootstrap-token-${BOOTSTRAP_ID}` }, type: "bootstrap.kubernetes.io/token", data },
    secretHash,
  };
}

/** A fresh cluster with a bootstrap token; its path prefix and the token. */
export async function clusterWithToken(expiresInMs = 3_600_000): Promise<{ c: string; token: string }> {
  const name = `n${Date.now().toString(36)}${++seq}`;
  expect(
    (await call("/kflare/v1/clusters", { method: "POST", body: JSON.stringify({ metadata: { name } }) })).status,
  ).toBe(201);
  const { secret } = await bootstrapTokenSecret(expiresInMs);
  const created = await call(`/clusters/${name}/api/v1/namespaces/kube-system/secrets`, {
    method: "POST",
    body: JSON.stringify(secret),
  });
  expect(created.status).toBe(201);
  return { c: `/clusters/${name}`, token: `${BOOTSTRAP_ID}.${BOOTSTRAP_SECRET}` };
}

/** `k-agent join` as the Worker sees it. */
export async function join(c: string, token: string, nodeName: string): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://kflare.test${c}/kflare/v1/join`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token, nodeName, protocolVersion: PROTOCOL_VERSION }),
    }),
  );
}

/** A cluster with node `pi-1` joined; its prefix and the node's credential. */
export async function clusterWithNode(): Promise<{ c: string; credential: string }> {
  const { c, token } = await clusterWithToken();
  const { token: credential } = (await (await join(c, token, "pi-1")).json()) as { token: string };
  return { c, credential };
}

/** The agent's first frame on its control socket, as today's agent sends it. */
export function hello(nodeName = "pi-1"): string {
  return JSON.stringify({
    type: "hello",
    protocolVersion: PROTOCOL_VERSION,
    agentVersion: "0.1.0",
    nodeName,
    resumeFrom: "",
  });
}

/** Polls `probe` every 20 ms until it returns something, for at most `ms`. */
export async function pollUntil<T>(what: string, probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
