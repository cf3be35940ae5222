import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { hashAdminToken } from "./admin-token.ts";
import { renderKubeconfig } from "./kubeconfig.ts";
import { ensureAdminCredential } from "./local-admin.ts";

let dir: string;
let kubeconfig: string;
let devVars: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kflare-admin-"));
  kubeconfig = join(dir, "kubeconfig");
  devVars = join(dir, ".dev.vars");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const writeKubeconfig = (token: string) =>
  writeFile(kubeconfig, renderKubeconfig({ cluster: "kflare", server: "https://127.0.0.1:1", token }));

it("issues a token on first start and stores only its hash, keeping other .dev.vars lines", async () => {
  await writeFile(devVars, "# mine\nOTHER=1\nADMIN_TOKEN_HASH=0000\n");
  const cred = await ensureAdminCredential(kubeconfig, "kflare-admin", devVars);
  expect(cred.issued).toBe("no readable kubeconfig");
  const text = await readFile(devVars, "utf8");
  expect(text).toBe(`# mine\nOTHER=1\nADMIN_TOKEN_HASH=${hashAdminToken(cred.token)}\n`);
  expect(text).not.toContain(cred.token);
});

it("keeps the kubeconfig's token while its hash matches", async () => {
  const first = await ensureAdminCredential(kubeconfig, "kflare-admin", devVars);
  await writeKubeconfig(first.token);
  const second = await ensureAdminCredential(kubeconfig, "kflare-admin", devVars);
  expect(second).toEqual({ token: first.token, hash: first.hash, issued: undefined });
});

it("issues a new token when the hash is missing or belongs to another token", async () => {
  await writeKubeconfig("old-token");
  const missing = await ensureAdminCredential(kubeconfig, "kflare-admin", devVars);
  expect(missing.issued).toMatch(/no ADMIN_TOKEN_HASH/);
  expect(missing.token).not.toBe("old-token");

  await writeFile(devVars, `ADMIN_TOKEN_HASH=${hashAdminToken("another")}\n`);
  const mismatch = await ensureAdminCredential(kubeconfig, "kflare-admin", devVars);
  expect(mismatch.issued).toMatch(/does not match/);
});
