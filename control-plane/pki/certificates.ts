// Certificates made with WebCrypto through @peculiar/x509, so the same code runs in workerd (the
// cluster CA signing nodes' serving certificates) and in Node (the CLI's installation PKI). ECDSA
// P-256 throughout: small, fast to sign on a Pi, and accepted by every TLS stack clients use.

import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

// One object serves as both the key-generation and the signing parameters.
export const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
export const DAY_MS = 24 * 60 * 60 * 1000;
// Backdated so that a peer whose clock runs a little behind still accepts a fresh certificate.
const BACKDATE_MS = 60 * 60 * 1000;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = (await crypto.subtle.exportKey("pkcs8", key)) as ArrayBuffer;
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

export function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(pem), KEY_ALGORITHM, false, ["sign"]);
}

/** A public key from its SPKI PEM ("-----BEGIN PUBLIC KEY-----"); throws on anything else. */
export function importPublicKeyPem(pem: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("spki", x509.PemConverter.decodeFirst(pem), KEY_ALGORITHM, true, ["verify"]);
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // Serial numbers are positive INTEGERs: clear the top bit so no leading zero byte is needed.
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function isIpAddress(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":");
}

/** A new self-signed CA: CA:TRUE with no intermediates below it, keyCertSign. */
export async function createCa(subject: string, lifetimeMs: number, now = new Date()): Promise<PemPair> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + lifetimeMs),
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

export interface ServingCertRequest {
  ca: PemPair;
  /** The key the certificate is for: its private half stays wherever it was made. */
  publicKey: CryptoKey;
  /** DNS names and IP addresses the certificate is valid for. */
  names: readonly string[];
  subject: string;
  lifetimeMs: number;
  now?: Date;
}

/** A TLS server certificate for `names`, signed by the CA. */
export async function issueServingCert(r: ServingCertRequest): Promise<string> {
  const now = r.now ?? new Date();
  const caCert = new x509.X509Certificate(r.ca.certPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: r.subject,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + r.lifetimeMs),
    publicKey: r.publicKey,
    signingKey: await importPrivateKeyPem(r.ca.keyPem),
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        r.names.map((n) => (isIpAddress(n) ? { type: "ip" as const, value: n } : { type: "dns" as const, value: n })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(r.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return cert.toString("pem");
}
