import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bundleWorker, loadersFromRules } from "./bundle.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kflare-bundle-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it("maps wrangler Text/Data rules to esbuild loaders, .sql always text", () => {
  expect(loadersFromRules([])).toEqual({ ".sql": "text" });
  expect(
    loadersFromRules([
      { type: "Text", globs: ["**/*.txt"] },
      { type: "Data", globs: ["*.bin"] },
      { type: "CompiledWasm", globs: ["**/*.wasm"] },
    ]),
  ).toEqual({ ".sql": "text", ".txt": "text", ".bin": "binary" });
});

it("bundles one ES module with .sql inlined and runtime modules left external", async () => {
  await writeFile(join(dir, "0000_init.sql"), "CREATE TABLE objects (rev INTEGER);");
  await writeFile(
    join(dir, "index.ts"),
    [
      'import { DurableObject } from "cloudflare:workers";',
      'import { Buffer } from "node:buffer";',
      'import { EventEmitter } from "events";',
      'import init from "./0000_init.sql";',
      "export class Store extends DurableObject {}",
      "export default { fetch: () => new Response(init + Buffer.from('x') + String(EventEmitter)) };",
    ].join("\n"),
  );
  const { code, ms } = await bundleWorker(join(dir, "index.ts"));
  expect(code).toContain("CREATE TABLE objects (rev INTEGER);");
  expect(code).toMatch(/from "cloudflare:workers"/);
  expect(code).toMatch(/from "node:buffer"/);
  expect(code).toMatch(/from "node:events"/);
  expect(code).toMatch(/export \{[^}]*Store/);
  expect(ms).toBeLessThan(5_000);
});
