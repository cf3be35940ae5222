#!/usr/bin/env node
// The `kflare` bin (package.json "bin"). Node 22 strips the types; npx puts node_modules/.bin (and
// with it the project's Node 22) first on PATH, which is what `env node` finds.
import { run } from "./kflare-commands.ts";

process.exitCode = await run(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
