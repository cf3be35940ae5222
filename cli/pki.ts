// The installation's own PKI. wrangler's built-in localhost certificate is identical on every
// machine (its key is public), so each installation gets its own CA, pinned in kubeconfigs and join
// tokens, and a server certificate signed by it. Everything here uses Node's WebCrypto through
// @peculiar/x509: no openssl binary, same code on every platform.
import { createPrivateKey, X509Certificate as NodeX509 } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "./secure-fs.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_MS = 3650 * DAY_MS;
const SERVER_LIFETIME_MS = 730 * DAY_MS;
// Renew before clients start failing, not after: a month leaves room for a machine left off.
const RENEW_BEFORE_MS = 30 * DAY_MS;

// @peculiar/x509 (with its ASN.1 stack) takes ~170 ms to load and is needed only to make
// certificates, not to check them (node:crypto does that): load it on first use.
type Certificates = typeof import("../control-plane/pki/certificates.ts");
let certificates: Promise<Certificates> | undefined;
function loadCertificates(): Promise<Certificates> {
  certificates ??= import("../control-plane/pki/certificates.ts");
  return certificates;
}

export interface PkiFiles {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

export interface Pki {
  caPem: string;
  certPem: string;
  keyPem: string;
  files: PkiFiles;
  /** What happened on this call, for the startup log. */
  created: { ca: boolean; server: boolean };
}

export function pkiFiles(dir: string): PkiFiles {
  return {
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
  };
}

/** The names a server certificate must carry: always localhost and 127.0.0.1, plus the extra hosts. */
export function serverNames(extraHosts: readonly string[]): string[] {
  const names = ["localhost", "127.0.0.1"];
  for (const h of extraHosts) {
    const name = stripBrackets(h.trim());
    if (name !== "" && !names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Loads the PKI under `dir`, creating what is missing. The CA is made once per installation (it is
 * what kubeconfigs pin); the server certificate is re-issued when a requested name is missing from
 * it, when it nears expiry, or when it was not signed by the current CA.
 */
export async function ensurePki(dir: string, extraHosts: readonly string[] = [], now = new Date()): Promise<Pki> {
  await ensurePrivateDir(dir);
  const files = pkiFiles(dir);
  const names = serverNames(extraHosts);

  let ca = await loadPair(files.caCert, files.caKey);
  const caUsable = ca !== undefined && isCa(ca.cert) && !nearExpiry(ca.cert, now);
  if (!caUsable || ca === undefined) {
    ca = await createCa(now);
    await writeFileAtomic(files.caKey, ca.keyPem, 0o600);
    await writeFileAtomic(files.caCert, ca.certPem, 0o644);
  }

  let server = await loadPair(files.serverCert, files.serverKey);
  const serverUsable = caUsable && server !== undefined && serverCertFits(server.cert, ca.cert, names, now);
  if (!serverUsable || server === undefined) {
    const issued = await issueServerCert(ca.certPem, ca.keyPem, names, now);
    await writeFileAtomic(files.serverKey, issued.keyPem, 0o600);
    await writeFileAtomic(files.serverCert, issued.certPem, 0o644);
    server = { ...issued, cert: new NodeX509(issued.certPem) };
  }

  return {
    caPem: ca.certPem,
    certPem: server.certPem,
    keyPem: server.keyPem,
    files,
    created: { ca: !caUsable, server: !serverUsable },
  };
}

interface PemPair {
  certPem: string;
  keyPem: string;
}

/** A new self-signed CA: ECDSA P-256, 10 years, CA:TRUE, keyCertSign. */
export async function createCa(now = new Date()): Promise<PemPair & { cert: NodeX509 }> {
  const pki = await loadCertificates();
  // The machine name tells two installations' CAs apart in a trust store or `openssl x509 -text`.
  const pair = await pki.createCa(`CN=kflare local CA (${dnSafe(hostname())}), O=kflare`, CA_LIFETIME_MS, now);
  return { ...pair, cert: new NodeX509(pair.certPem) };
}

/** A server certificate for `names` (DNS names or IP addresses), signed by the CA, ~2 years. */
export async function issueServerCert(
  caCertPem: string,
  caKeyPem: string,
  names: readonly string[],
  now = new Date(),
): Promise<PemPair> {
  const pki = await loadCertificates();
  const keys = await pki.generateKeyPair();
  const certPem = await pki.issueServingCert({
    ca: { certPem: caCertPem, keyPem: caKeyPem },
    publicKey: keys.publicKey,
    names,
    subject: "CN=kflare, O=kflare",
    lifetimeMs: SERVER_LIFETIME_MS,
    now,
  });
  return { certPem, keyPem: await pki.exportPrivateKeyPem(keys.privateKey) };
}

/** True when the certificate's SANs cover `name` (an IP address or a DNS name). */
export function certCovers(cert: NodeX509 | undefined, name: string): boolean {
  if (cert === undefined) return false;
  const n = stripBrackets(name);
  if (isIP(n)) return cert.checkIP(n) !== undefined;
  return cert.checkHost(n, { wildcards: false, subject: "never" }) !== undefined;
}

async function loadPair(certPath: string, keyPath: string): Promise<(PemPair & { cert: NodeX509 }) | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]);
    const cert = new NodeX509(certPem);
    // A key that does not belong to the certificate would only fail later, inside workerd's TLS
    // handshake, with a far less helpful message.
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
    return { certPem, keyPem, cert };
  } catch {
    // Missing or unreadable: the caller makes a fresh one.
    return undefined;
  }
}

/** Signed by `ca`, far from expiry, and naming every one of `names`. */
function serverCertFits(cert: NodeX509, ca: NodeX509, names: readonly string[], now: Date): boolean {
  return (
    cert.checkIssued(ca) &&
    cert.verify(ca.publicKey) &&
    !nearExpiry(cert, now) &&
    names.every((n) => certCovers(cert, n))
  );
}

function isCa(cert: NodeX509): boolean {
  return cert.ca && cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

function nearExpiry(cert: NodeX509, now: Date): boolean {
  return new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS;
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function dnSafe(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, "_").slice(0, 48) || "unknown";
}
