// Trust on first join, the kubeadm way: the join token carries the SHA-256 of the cluster's CA
// certificate; the agent reads the chain the server presents, keeps the CA whose hash matches, and
// from then on verifies the server against that CA like any TLS client.

import { createHash, X509Certificate } from "node:crypto";
import { connect, type DetailedPeerCertificate } from "node:tls";

export class PinError extends Error {}

function sha256(der: Buffer): string {
  return createHash("sha256").update(der).digest("hex");
}

function chainOf(cert: DetailedPeerCertificate): DetailedPeerCertificate[] {
  const out: DetailedPeerCertificate[] = [];
  let c: DetailedPeerCertificate | undefined = cert;
  while (c?.raw && !out.includes(c)) {
    out.push(c);
    c = c.issuerCertificate;
  }
  return out;
}

/** Connects to `server`, finds the CA matching `pin` in the presented chain, and returns it as PEM. */
export function discoverPinnedCa(server: string, pin: string, timeoutMs = 10_000): Promise<string> {
  const url = new URL(server);
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: url.hostname,
      port,
      servername: url.hostname.match(/^[\d.]+$|:/) ? undefined : url.hostname,
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new PinError(
          `no TLS answer from ${url.host} within ${timeoutMs / 1000} s: is the control plane running, and reachable from this machine?`,
        ),
      );
    }, timeoutMs);
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(
        new PinError(
          `cannot reach ${url.host}: ${err.message}; is the control plane running, and is the address right?`,
        ),
      );
    });
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const chain = chainOf(socket.getPeerCertificate(true));
      socket.end();
      const ca = chain.find((c) => sha256(c.raw) === pin);
      if (!ca || chain.length === 0) {
        reject(
          new PinError(
            `the server at ${url.host} does not present the CA this join token pins; the token is for another cluster, or someone is in between`,
          ),
        );
        return;
      }
      const caCert = new X509Certificate(ca.raw);
      const leaf = new X509Certificate(chain[0]!.raw);
      if (!leaf.verify(caCert.publicKey)) {
        reject(new PinError(`the server's certificate is not signed by the pinned CA`));
        return;
      }
      resolve(caCert.toString());
    });
  });
}
