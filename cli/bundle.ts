// Bundles the Worker the way wrangler would for workerd (one ES module), but in-process with esbuild
// so `npm start` needs no wrangler dev proxy: Miniflare then runs the bundle directly.
import { builtinModules } from "node:module";
import { build, type Loader, type Plugin } from "esbuild";
import type { ModuleRule } from "./wrangler-config.ts";

export interface Bundle {
  code: string;
  ms: number;
}

// Module rules from wrangler.toml that esbuild can inline. Text/Data modules become strings/bytes
// inside the bundle, which is what the code importing them sees either way.
const LOADER_BY_RULE: Record<string, Loader | undefined> = { Text: "text", Data: "binary" };

/** esbuild loaders for `**\/*.ext` globs of the given rules; `.sql` is always text (drizzle migrations). */
export function loadersFromRules(rules: readonly ModuleRule[]): Record<string, Loader> {
  const loaders: Record<string, Loader> = { ".sql": "text" };
  for (const rule of rules) {
    const loader = LOADER_BY_RULE[rule.type];
    if (loader === undefined) continue;
    for (const glob of rule.globs) {
      const m = /^(?:\*\*\/)?\*(\.[A-Za-z0-9.]+)$/.exec(glob);
      if (m?.[1] !== undefined) loaders[m[1]] = loader;
    }
  }
  return loaders;
}

// With nodejs_compat, workerd provides Node built-ins as `node:*`; dependencies sometimes import
// them bare ("buffer"), which must not be bundled (esbuild would fail to resolve them) either.
const bareBuiltins: Plugin = {
  name: "node-builtins",
  setup(b) {
    const names = new Set(builtinModules.filter((m) => !m.startsWith("_")));
    b.onResolve({ filter: /^[a-z_/]+$/ }, (args) =>
      names.has(args.path) ? { path: `node:${args.path}`, external: true } : undefined,
    );
  },
};

export async function bundleWorker(entry: string, rules: readonly ModuleRule[] = []): Promise<Bundle> {
  const started = performance.now();
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    // The same resolution wrangler uses for workerd.
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:*", "node:*"],
    loader: loadersFromRules(rules),
    plugins: [bareBuiltins],
    // No source map: workerd does not apply one to stack traces, and an inline map doubles both the
    // bundle and the time to build and load it. Unminified, the bundle reads well enough.
    logLevel: "silent",
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error(`esbuild produced no output for ${entry}`);
  return { code: out.text, ms: performance.now() - started };
}
