// The join token a user pastes: everything `k-agent join` needs in one string. `kf1_` then
// base64url JSON: the server URL (with any /clusters/<name> prefix), the SHA-256 of the cluster
// CA's certificate when the server uses a local CA (kubeadm's discovery pin), and the bootstrap
// token `<id>.<secret>`.

export interface JoinToken {
  server: string;
  /** Lowercase hex SHA-256 of the CA certificate (DER), when the server's certificate is not public. */
  caSha256?: string;
  token: string;
}

const PREFIX = "kf1_";
const BOOTSTRAP = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

export function encodeJoinToken(t: JoinToken): string {
  const json = JSON.stringify({ s: t.server, ...(t.caSha256 ? { c: t.caSha256 } : {}), t: t.token });
  return PREFIX + Buffer.from(json).toString("base64url");
}

/** Parses a join token; throws an Error whose message says what is wrong with it. */
export function decodeJoinToken(text: string): JoinToken {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PREFIX)) {
    throw new Error(
      `this is not a kflare join token (it should start with "${PREFIX}"); run \`npx kflare token create\` on the control plane to get one`,
    );
  }
  let raw: { s?: unknown; c?: unknown; t?: unknown };
  try {
    raw = JSON.parse(Buffer.from(trimmed.slice(PREFIX.length), "base64url").toString("utf8"));
  } catch {
    throw new Error("the join token is damaged (it does not decode); copy it again in one piece");
  }
  if (typeof raw.s !== "string" || !/^https:\/\//.test(raw.s))
    throw new Error("the join token has no https server URL; make a new one with `npx kflare token create`");
  if (raw.c !== undefined && (typeof raw.c !== "string" || !/^[0-9a-f]{64}$/.test(raw.c)))
    throw new Error("the join token's CA pin is damaged; copy it again");
  if (typeof raw.t !== "string" || !BOOTSTRAP.test(raw.t))
    throw new Error("the join token's secret is damaged; copy it again");
  return { server: raw.s.replace(/\/+$/, ""), caSha256: raw.c as string | undefined, token: raw.t };
}
