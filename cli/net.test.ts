import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpsServer } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { assertPortFree, httpsStatus, isWildcardHost, PortInUseError } from "./net.ts";
import { ensurePki } from "./pki.ts";

it("says plainly when the port is taken, with the fix", async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  try {
    const failure = assertPortFree("127.0.0.1", port);
    await expect(failure).rejects.toBeInstanceOf(PortInUseError);
    await expect(failure).rejects.toThrow(`PORT=${port + 1} npm start`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  await expect(assertPortFree("127.0.0.1", port)).resolves.toBeUndefined();
});

it("knows wildcard binds", () => {
  expect(isWildcardHost("0.0.0.0")).toBe(true);
  expect(isWildcardHost("::")).toBe(true);
  expect(isWildcardHost("192.168.1.5")).toBe(false);
});

it("verifies IP hosts against the certificate's IP SANs, IPv6 included", async () => {
  const dir = await mkdtemp(join(tmpdir(), "kflare-net-"));
  try {
    const pki = await ensurePki(dir, ["::1"]);
    const server = createHttpsServer({ key: pki.keyPem, cert: pki.certPem }, (_req, res) => res.end("ok"));
    const listening = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(0, "::1", () => resolve(true));
    });
    if (!listening) return; // No IPv6 loopback on this machine.
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      expect(await httpsStatus(`https://[::1]:${port}/healthz`, pki.caPem, 5_000)).toBe(200);
      const other = await ensurePki(join(dir, "other"));
      await expect(httpsStatus(`https://[::1]:${port}/healthz`, other.caPem, 5_000)).rejects.toThrow();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
