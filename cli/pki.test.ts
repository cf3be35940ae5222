import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ensurePki, serverNames } from "./pki.ts";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const DAY = 24 * 60 * 60 * 1000;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kflare-pki-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it("creates a CA and a server certificate that verifies against it", async () => {
  const pki = await ensurePki(dir);
  expect(pki.created).toEqual({ ca: true, server: true });
  const ca = new X509Certificate(pki.caPem);
  const server = new X509Certificate(pki.certPem);

  expect(ca.ca).toBe(true);
  expect(ca.checkIssued(ca) && ca.verify(ca.publicKey)).toBe(true);
  expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
  const caYears = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365 * DAY);
  expect(caYears).toBeGreaterThan(9.9);

  expect(server.ca).toBe(false);
  expect(server.checkIssued(ca)).toBe(true);
  expect(server.verify(ca.publicKey)).toBe(true);
  expect(server.keyUsage).toContain(SERVER_AUTH);
  expect(server.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
  const serverDays = (Date.parse(server.validTo) - Date.parse(server.validFrom)) / DAY;
  expect(serverDays).toBeGreaterThan(700);
  expect(serverDays).toBeLessThan(800);
});

it("keeps private keys readable by the owner only, and the key matches the certificate", async () => {
  const pki = await ensurePki(dir);
  expect((await stat(pki.files.caKey)).mode & 0o777).toBe(0o600);
  expect((await stat(pki.files.serverKey)).mode & 0o777).toBe(0o600);
  const { createPrivateKey } = await import("node:crypto");
  expect(new X509Certificate(pki.certPem).checkPrivateKey(createPrivateKey(pki.keyPem))).toBe(true);
});

it("reuses everything on a second call", async () => {
  const first = await ensurePki(dir);
  const second = await ensurePki(dir);
  expect(second.created).toEqual({ ca: false, server: false });
  expect(second.caPem).toBe(first.caPem);
  expect(second.certPem).toBe(first.certPem);
});

it("re-issues only the server certificate when HOST is not among its names", async () => {
  const first = await ensurePki(dir);
  const withIp = await ensurePki(dir, ["192.168.1.50"]);
  expect(withIp.created).toEqual({ ca: false, server: true });
  expect(withIp.caPem).toBe(first.caPem);
  const cert = new X509Certificate(withIp.certPem);
  expect(cert.checkIP("192.168.1.50")).toBe("192.168.1.50");
  expect(cert.verify(new X509Certificate(first.caPem).publicKey)).toBe(true);

  const withName = await ensurePki(dir, ["pi.local"]);
  expect(withName.created.server).toBe(true);
  expect(new X509Certificate(withName.certPem).subjectAltName).toContain("DNS:pi.local");
  expect((await ensurePki(dir, ["pi.local"])).created.server).toBe(false);
});

it("adds IPv6 hosts as IP SANs, brackets or not", async () => {
  const pki = await ensurePki(dir, ["[fd00::5]"]);
  expect(new X509Certificate(pki.certPem).checkIP("fd00::5")).toBe("fd00::5");
  expect(serverNames(["[fd00::5]", "localhost", " 127.0.0.1 "])).toEqual(["localhost", "127.0.0.1", "fd00::5"]);
});

it("renews the server certificate near its expiry, keeping the CA", async () => {
  const first = await ensurePki(dir);
  const later = new Date(Date.now() + 720 * DAY);
  const renewed = await ensurePki(dir, [], later);
  expect(renewed.created).toEqual({ ca: false, server: true });
  expect(renewed.caPem).toBe(first.caPem);
});

it("replaces a damaged server key instead of failing later in the TLS handshake", async () => {
  const first = await ensurePki(dir);
  await writeFile(first.files.serverKey, "not a key");
  const repaired = await ensurePki(dir);
  expect(repaired.created).toEqual({ ca: false, server: true });
  expect(await readFile(first.files.serverKey, "utf8")).toContain("BEGIN PRIVATE KEY");
});

it("makes a new CA when its files are gone, and a server certificate signed by it", async () => {
  const first = await ensurePki(dir);
  await rm(first.files.caKey);
  const again = await ensurePki(dir);
  expect(again.created).toEqual({ ca: true, server: true });
  expect(again.caPem).not.toBe(first.caPem);
  expect(new X509Certificate(again.certPem).verify(new X509Certificate(again.caPem).publicKey)).toBe(true);
});
