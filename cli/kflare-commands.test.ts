import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { parse } from "yaml";
import { hashAdminToken } from "./admin-token.ts";
import { run } from "./kflare-commands.ts";
import { createCa } from "./pki.ts";

let dir: string;
let out: string[];
let err: string[];
const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kflare-cli-"));
  out = [];
  err = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it("writes a kubeconfig for a deployed server, mode 0600, without CA data", async () => {
  const tokenFile = join(dir, "admin.token");
  await writeFile(tokenFile, "s3cret\n");
  const path = join(dir, "edge.kubeconfig");
  const args = ["kubeconfig", "--server", "https://kflare.example.workers.dev/", "--token-file", tokenFile];
  expect(await run([...args, "--cluster", "edge", "--out", path], io)).toBe(0);
  const doc = parse(await readFile(path, "utf8"));
  expect(doc.clusters[0]).toEqual({ name: "edge", cluster: { server: "https://kflare.example.workers.dev" } });
  expect(doc.users[0]).toEqual({ name: "edge-admin", user: { token: "s3cret" } });
  expect(doc["current-context"]).toBe("edge");
  expect((await stat(path)).mode & 0o777).toBe(0o600);
  expect(out.join("\n")).toContain(`export KUBECONFIG=${path}`);
  expect(out.join("\n")).not.toContain("s3cret");
});

it("pins a CA given with --ca-file", async () => {
  const ca = await createCa();
  const caFile = join(dir, "ca.crt");
  await writeFile(caFile, ca.certPem);
  expect(
    await run(["kubeconfig", "--server", "https://h:8787", "--token", "t", "--ca-file", caFile, "--out", "-"], io),
  ).toBe(0);
  const doc = parse(out.join("\n"));
  expect(Buffer.from(doc.clusters[0].cluster["certificate-authority-data"], "base64").toString()).toBe(ca.certPem);
});

it.each([
  [["kubeconfig", "--token", "t"], /--server is required/],
  [["kubeconfig", "--server", "http://h", "--token", "t"], /must use https/],
  [["kubeconfig", "--server", "not a url", "--token", "t"], /is not a URL/],
  [["kubeconfig", "--server", "https://h"], /a token is required.*admin-token/],
  [["kubeconfig", "--server", "https://h", "--token", "a", "--token-file", "f"], /either --token or --token-file/],
  [["kubeconfig", "--server", "https://h", "--token-file", "/nonexistent/t"], /cannot read --token-file/],
  [
    ["kubeconfig", "--server", "https://h", "--token", "t", "--ca-file", "/etc/hostname"],
    /not a PEM certificate|cannot read/,
  ],
  [["kubeconfig", "--server", "https://h", "--token", "t", "--cluster", "Bad_Name"], /--cluster/],
  [["kubeconfig", "--srever", "https://h"], /Unknown option '--srever'/],
  [["deploy"], /unknown command "deploy"/],
])("exits 2 with the fix for %j", async (argv, message) => {
  expect(await run(argv, io)).toBe(2);
  expect(err.join("\n")).toMatch(message);
  expect(err.join("\n")).toContain("npx kflare --help");
});

it("prints usage and exits 2 without a command, 0 for --help", async () => {
  expect(await run([], io)).toBe(2);
  expect(err.join("\n")).toContain("Usage: npx kflare");
  expect(await run(["--help"], io)).toBe(0);
  expect(out.join("\n")).toContain("admin-token");
});

it("admin-token prints a new token and the wrangler secret step with its hash", async () => {
  expect(await run(["admin-token"], io)).toBe(0);
  const text = out.join("\n");
  const token = /^ {2}([A-Za-z0-9_-]{43})$/m.exec(text)?.[1];
  expect(token).toBeDefined();
  expect(text).toContain(`echo ${hashAdminToken(token ?? "")} | npx wrangler secret put ADMIN_TOKEN_HASH`);
});

it("admin-token --out writes the token to a private file instead of the terminal", async () => {
  const file = join(dir, "admin.token");
  expect(await run(["admin-token", "--out", file], io)).toBe(0);
  const token = (await readFile(file, "utf8")).trim();
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect(out.join("\n")).not.toContain(token);
  expect(out.join("\n")).toContain(hashAdminToken(token));
  expect(out.join("\n")).toContain(`--token-file ${file}`);
});
