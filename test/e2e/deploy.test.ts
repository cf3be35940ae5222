// What `wrangler deploy` would ship builds: the real wrangler bundles the Worker, its Durable
// Objects and migrations, offline (--dry-run never contacts Cloudflare).

import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

it("bundles the Worker with wrangler deploy --dry-run", async () => {
  const outdir = await mkdtemp(join(tmpdir(), "kflare-dry-run-"));
  try {
    const { code, out } = await run(
      join(ROOT, "node_modules/.bin/wrangler"),
      ["deploy", "--dry-run", "--outdir", outdir],
      {
        WRANGLER_SEND_METRICS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        WRANGLER_HIDE_BANNER: "true",
        CI: "true",
      },
    );
    expect(out).toContain("--dry-run: exiting now.");
    expect(code).toBe(0);
    expect(out).toMatch(/env\.CLUSTER_STORE \(ClusterStore\)\s+Durable Object/);
    const files = await readdir(outdir);
    expect(files.some((f) => f.endsWith("0000_init.sql"))).toBe(true);
    const bundle = await readFile(join(outdir, "index.js"), "utf8");
    expect(bundle).toMatch(/ClusterStore = class extends/);
    expect(bundle).toMatch(/ClusterDirectory = class extends/);
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
});
