// Where a request came from, for throttling failed logins and for Ingress's X-Forwarded-For.
// Locally, workerd serves the Worker from sockets of its own config (cli/direct-sockets.ts) and
// reports the peer as `request.cf.clientIp` ("ip:port"), which a client cannot forge. Behind
// Cloudflare there is no such field, and the edge sets CF-Connecting-IP, overwriting any a client
// sent. The local report wins, so a local client cannot pick its address with a header.

/** The peer's IP address (no port), or undefined when neither source names one. */
export function clientAddress(request: Request): string | undefined {
  const local = (request.cf as { clientIp?: unknown } | undefined)?.clientIp;
  if (typeof local === "string" && local !== "") return withoutPort(local);
  return request.headers.get("cf-connecting-ip") ?? undefined;
}

/** "203.0.113.5:41234" -> "203.0.113.5", "[::1]:41234" -> "::1"; a bare address is kept. */
export function withoutPort(peer: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(peer);
  if (v6) return v6[1]!;
  const v4 = /^([^:]+):\d+$/.exec(peer);
  return v4 ? v4[1]! : peer;
}
