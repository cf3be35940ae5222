// `k-agent join <token>`: verify the cluster CA against the token's pin, exchange the bootstrap
// token for this node's own credential, and keep it (mode 0600) in the data directory. Nothing is
// written when any step fails.

import { Agent as HttpsAgent, request } from "node:https";
import { PROTOCOL_VERSION } from "../../schemas/agent/protocol.ts";
import { discoverPinnedCa } from "./ca-pin.ts";
import { type Credential, credentialPath, saveCredential } from "./data-dir.ts";
import { decodeJoinToken } from "./join-token.ts";

export class JoinError extends Error {}

function post(
  url: string,
  body: unknown,
  caPem: string | undefined,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      agent: new HttpsAgent({ ...(caPem ? { ca: caPem } : {}) }),
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
      timeout: 15_000,
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        } catch {
          // not JSON: the status code speaks
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 15 s")));
    req.on("error", reject);
    req.end(text);
  });
}

export async function join(opts: {
  token: string;
  nodeName: string;
  dataDir: string;
  log: (line: string) => void;
}): Promise<Credential> {
  let token: ReturnType<typeof decodeJoinToken>;
  try {
    token = decodeJoinToken(opts.token);
  } catch (err) {
    throw new JoinError((err as Error).message);
  }
  opts.log(`Joining ${token.server} as node ${opts.nodeName} ...`);
  let caPem: string | undefined;
  if (token.caSha256) {
    try {
      caPem = await discoverPinnedCa(token.server, token.caSha256);
    } catch (err) {
      throw new JoinError((err as Error).message);
    }
    opts.log("  verified the cluster's CA against the token's pin");
  }
  let answer: Awaited<ReturnType<typeof post>>;
  try {
    answer = await post(
      `${token.server}/kflare/v1/join`,
      { token: token.token, nodeName: opts.nodeName, protocolVersion: PROTOCOL_VERSION },
      caPem,
    );
  } catch (err) {
    throw new JoinError(
      `cannot reach the control plane at ${token.server}: ${(err as Error).message}; is it running and reachable from this machine?`,
    );
  }
  if (answer.status !== 201 || typeof answer.json.token !== "string") {
    const message = typeof answer.json.message === "string" ? answer.json.message : `HTTP ${answer.status}`;
    throw new JoinError(`the control plane refused to join this node: ${message}`);
  }
  const credential: Credential = {
    server: token.server,
    cluster: String(answer.json.cluster ?? "default"),
    nodeName: opts.nodeName,
    token: answer.json.token,
    ...(caPem ? { caPem } : {}),
    joinedAt: new Date().toISOString(),
  };
  await saveCredential(opts.dataDir, credential);
  opts.log(`  joined; this node's credential is in ${credentialPath(opts.dataDir)} (mode 0600)`);
  return credential;
}
