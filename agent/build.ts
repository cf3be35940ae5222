// Builds k-agent into ESM that plain Node 20 runs (no TypeScript at run time): agent/dist/k-agent.mjs,
// the chunks it imports on demand (what only a node that runs containers needs: gRPC, protobuf, YAML,
// the DNS codec; a WebAssembly-only node never loads them), and the wasm guest runner beside it.
// jco and preview2-shim stay external: they load their own WebAssembly files from node_modules.

import { chmod, copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { AGENT_NODE_FLAGS } from "./node-flags.ts";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");

export async function buildAgent(): Promise<string> {
  // Chunk names carry content hashes: old ones would pile up. The chunks sit beside the entry, as
  // the runner does: the wasm runtime finds runner.mjs beside its own module, wherever it lands.
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const outfile = join(out, "k-agent.mjs");
  await build({
    entryPoints: { "k-agent": join(here, "src/main.ts") },
    outdir: out,
    outExtension: { ".js": ".mjs" },
    chunkNames: "[name]-[hash]",
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["@bytecodealliance/*", "bufferutil", "utf-8-validate"],
    banner: {
      // env -S: the shebang carries the agent's node flags (coreutils 8.30+: Debian 10, Pi OS).
      js: `#!/usr/bin/env -S node ${AGENT_NODE_FLAGS.join(" ")}\nimport { createRequire as __kAgentRequire } from 'node:module';\nconst require = __kAgentRequire(import.meta.url);`,
    },
    logLevel: "warning",
  });
  await chmod(outfile, 0o755);
  await copyFile(join(here, "runtime/wasm/runner.mjs"), join(out, "runner.mjs"));
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = await buildAgent();
  process.stdout.write(`built ${file}\n`);
}
