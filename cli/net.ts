// Small network helpers for starting the local control plane: port checks with a plain message,
// the addresses a wildcard bind serves, and the bounded wait for the first 200.
import { X509Certificate } from "node:crypto";
import { request } from "node:https";
import { createServer, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { type PeerCertificate, checkServerIdentity as tlsCheckServerIdentity } from "node:tls";

export class PortInUseError extends Error {
  constructor(host: string, port: number, envVar = "PORT") {
    super(
      `Port ${port} on ${host} is already in use (another \`npm start\`?). ` +
        `Stop that process, or pick another port: ${envVar}=${port + 1} npm start`,
    );
    this.name = "PortInUseError";
  }
}

export function isWildcardHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

/** Every non-internal address of this machine: the names a certificate needs when binding to 0.0.0.0. */
export function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      // Link-local IPv6 addresses need a zone id to be dialled, so no client would ever use them.
      if (!a.internal && !(a.family === "IPv6" && a.address.startsWith("fe80:"))) out.push(a.address);
    }
  }
  return out;
}

/**
 * Fails with PortInUseError when something already listens on host:port. workerd's own bind error is
 * reported late and cryptically, so ask first; the race with another process is harmless (we would
 * then see workerd's error).
 */
export async function assertPortFree(host: string, port: number, envVar = "PORT"): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(err.code === "EADDRINUSE" || err.code === "EACCES" ? new PortInUseError(host, port, envVar) : err);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/**
 * A port that is free on `host` right now. Miniflare reports the port it picked for port 0 only for
 * loopback hosts (for a LAN address its ready URL names an internal loopback socket), so port 0 is
 * resolved here; another process could take the port in between, which startup then reports.
 */
export async function pickFreePort(host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port === 0 ? reject(new Error(`no free port on ${host}`)) : resolve(port)));
    });
  });
}

/** GET `url` over TLS verified against `caPem` only; resolves with the status code. */
export function httpsStatus(url: string, caPem: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    // Unbracketed: with "[fd00::2]" as the host Node checks the certificate for a DNS name, not an IP.
    const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
    const options = { host, port: u.port, path: u.pathname, ca: caPem, timeout: timeoutMs, checkServerIdentity };
    const req = request(options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

// Node 22's tls.checkServerIdentity runs IPv6 literals through domainToASCII, which rejects them,
// so an IPv6 SAN never matches; check IP hosts against the SANs directly, DNS names as usual.
function checkServerIdentity(host: string, cert: PeerCertificate): Error | undefined {
  if (isIP(host) === 0) return tlsCheckServerIdentity(host, cert);
  if (new X509Certificate(cert.raw).checkIP(host) !== undefined) return undefined;
  return new Error(`IP ${host} is not among the certificate's names (${cert.subjectaltname ?? "none"})`);
}

/** Polls `url` until it answers 200 or `deadlineMs` passes; returns when it did. */
export async function waitFor200(url: string, caPem: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = "no attempt";
  while (Date.now() < deadline) {
    try {
      const status = await httpsStatus(url, caPem, Math.max(100, Math.min(5_000, deadline - Date.now())));
      if (status === 200) return;
      last = `status ${status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${url} did not answer 200 within ${deadlineMs} ms (last: ${last})`);
}
