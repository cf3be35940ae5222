// `npx kflare token create [--ttl 24h]`: a join token, kubeadm-style: a bootstrap-token Secret in
// kube-system whose secret half is stored only as its SHA-256, and the whole join command to paste
// on the machine that joins (this checkout's agent until k-agent is published).

import { createHash, randomInt, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { encodeJoinToken } from "../agent/src/join-token.ts";
import { connectionFromKubeconfig, KubeClient, KubeError } from "./kube-client.ts";
import { REPO_ROOT } from "./local-control-plane.ts";

export class TokenUsageError extends Error {}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomString(n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** "24h", "30m", "7d", "0" (never expires) -> ms. */
export function parseTtl(text: string): number {
  if (text === "0") return 0;
  const m = /^(\d+)(s|m|h|d)$/.exec(text);
  if (!m)
    throw new TokenUsageError(
      `--ttl "${text}" must be a number with s, m, h or d (e.g. 24h), or 0 for a token that never expires`,
    );
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
}

export interface TokenResult {
  joinToken: string;
  expiration: string | undefined;
  command: string;
}

export async function createJoinToken(kubeconfig: string, ttlMs: number, description: string): Promise<TokenResult> {
  const conn = await connectionFromKubeconfig(kubeconfig);
  const client = new KubeClient(conn, 2);
  const id = randomString(6);
  const secret = randomString(16);
  const expiration = ttlMs > 0 ? new Date(Date.now() + ttlMs).toISOString().replace(/\.\d+Z$/, "Z") : undefined;
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  try {
    await client.call("POST", "/api/v1/namespaces/kube-system/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `bootstrap-token-${id}`, labels: { "kflare.dev/join-token": "true" } },
      type: "bootstrap.kubernetes.io/token",
      data: {
        "token-id": b64(id),
        // Only the hash: a leaked Secret does not let anyone join.
        "token-secret-sha256": b64(createHash("sha256").update(secret).digest("hex")),
        "usage-bootstrap-authentication": b64("true"),
        description: b64(description),
        ...(expiration ? { expiration: b64(expiration) } : {}),
      },
    });
  } finally {
    client.close();
  }
  const caSha256 = conn.caPem
    ? createHash("sha256").update(new X509Certificate(conn.caPem).raw).digest("hex")
    : undefined;
  const joinToken = encodeJoinToken({ server: conn.server, caSha256, token: `${id}.${secret}` });
  const agentBin = join(REPO_ROOT, "agent/dist/k-agent.mjs");
  return { joinToken, expiration, command: `node ${agentBin} join ${joinToken}` };
}

export async function tokenCommand(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "create")
    throw new TokenUsageError(`unknown token command "${sub ?? ""}"; try: kflare token create [--ttl 24h]`);
  let v: { ttl?: string; kubeconfig?: string; description?: string };
  try {
    v = parseArgs({
      args: rest,
      options: { ttl: { type: "string" }, kubeconfig: { type: "string" }, description: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new TokenUsageError((err as Error).message);
  }
  const ttl = parseTtl(v.ttl ?? "24h");
  const kubeconfig = v.kubeconfig ?? process.env.KUBECONFIG ?? join(REPO_ROOT, ".kflare/kubeconfig");
  try {
    await readFile(kubeconfig);
  } catch {
    throw new TokenUsageError(
      `cannot read the kubeconfig ${kubeconfig}: start the control plane (npm start) or pass --kubeconfig`,
    );
  }
  let result: TokenResult;
  try {
    result = await createJoinToken(kubeconfig, ttl, v.description ?? "made by kflare token create");
  } catch (err) {
    if (err instanceof KubeError) throw new Error(`the control plane refused to make the token: ${err.message}`);
    throw new Error(
      `cannot reach the control plane in ${kubeconfig}: ${(err as Error).message}; is it running (npm start)?`,
    );
  }
  const agentVersion = JSON.parse(await readFile(join(REPO_ROOT, "agent/package.json"), "utf8")).version as string;
  out(
    [
      `Join token (${result.expiration ? `valid until ${result.expiration}` : "never expires"}; anyone holding it can join a node):`,
      `  ${result.joinToken}`,
      "",
      `On the machine to join, with k-agent ${agentVersion} from this checkout (npm install builds it):`,
      `  ${result.command}`,
      "Then: kubectl get nodes",
    ].join("\n"),
  );
  return 0;
}
