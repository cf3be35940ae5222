// wrangler.toml is the one description of the Worker: `wrangler deploy` ships it and `npm start`
// runs the same thing. wrangler's own reader (unstable_readConfig) parses and validates it, so the
// local run cannot drift from what a deploy would see; this module narrows it to what Miniflare needs.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Json } from "miniflare";
import { writeFileAtomic } from "./secure-fs.ts";

export interface DurableObjectBinding {
  name: string;
  className: string;
  /** SQLite-backed: listed in a migration's new_sqlite_classes. */
  sqlite: boolean;
}

export interface ModuleRule {
  type: string;
  globs: string[];
}

export interface WorkerConfig {
  name: string;
  /** Absolute path of the entry module. */
  main: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  durableObjects: DurableObjectBinding[];
  vars: Record<string, Json>;
  rules: ModuleRule[];
}

/**
 * Reads wrangler.toml through wrangler. Loading wrangler costs about a second, half of `npm start`'s
 * startup, so when `cachePath` is given the result is kept there, keyed by the file's bytes and
 * wrangler's version: an edit or an upgrade reads it afresh.
 */
export async function readWorkerConfig(configPath: string, cachePath?: string): Promise<WorkerConfig> {
  if (cachePath === undefined) return readThroughWrangler(configPath);
  const key = createHash("sha256")
    .update(`${configPath}\0${wranglerVersion()}\0`)
    .update(await readFile(configPath))
    .digest("hex");
  try {
    const cached = JSON.parse(await readFile(cachePath, "utf8")) as { key?: string; config?: WorkerConfig };
    if (cached.key === key && cached.config !== undefined) return cached.config;
  } catch {
    // No cache yet, or an unreadable one: read the config the slow way below.
  }
  const config = await readThroughWrangler(configPath);
  await writeFileAtomic(cachePath, JSON.stringify({ key, config }), 0o644);
  return config;
}

function wranglerVersion(): string {
  const pkg = createRequire(import.meta.url)("wrangler/package.json") as { version: string };
  return pkg.version;
}

// The fields of wrangler's Config read here. unstable_readConfig's published type resolves to `any`
// in this project, so naming them is what keeps the code below type-checked.
interface WranglerConfigSubset {
  name: string | undefined;
  main: string | undefined;
  compatibility_date: string | undefined;
  compatibility_flags: string[];
  migrations: { new_sqlite_classes?: string[] | undefined }[];
  durable_objects: { bindings: { name: string; class_name: string; script_name?: string | undefined }[] };
  vars: Record<string, unknown>;
  rules: { type: string; globs: string[] }[];
}

async function readThroughWrangler(configPath: string): Promise<WorkerConfig> {
  // Imported lazily: wrangler is large (~1 s to load) and only this step needs it.
  const { unstable_readConfig } = await import("wrangler");
  const c: WranglerConfigSubset = unstable_readConfig({ config: configPath }, { hideWarnings: true });
  if (c.main === undefined) throw new Error(`${configPath} has no \`main\`: it must name the Worker's entry module.`);
  if (c.compatibility_date === undefined) throw new Error(`${configPath} has no \`compatibility_date\`.`);
  const sqliteClasses = new Set(c.migrations.flatMap((m) => m.new_sqlite_classes ?? []));
  const durableObjects = c.durable_objects.bindings.map((b) => {
    if (b.script_name !== undefined) {
      throw new Error(`Durable Object binding ${b.name} points at another script; npm start runs one Worker only.`);
    }
    return { name: b.name, className: b.class_name, sqlite: sqliteClasses.has(b.class_name) };
  });
  return {
    name: c.name ?? "kflare",
    main: c.main,
    compatibilityDate: c.compatibility_date,
    compatibilityFlags: c.compatibility_flags,
    durableObjects,
    vars: c.vars as Record<string, Json>,
    rules: c.rules.map((r) => ({ type: r.type, globs: r.globs })),
  };
}
