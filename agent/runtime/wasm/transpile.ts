// Turning a component into JavaScript with jco, once per component digest (a transpile takes
// ~0.2-1.5 s; the output is kept under <stateDir>/wasm/transpiled/<hex>). The output uses jco's
// "instantiation" mode: the runner supplies the WASI imports itself (the sandboxed preview2-shim),
// compiles the core modules once and instantiates them as often as it needs (per HTTP request).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { RuntimeError } from "../types.ts";
import type { ComponentKind, WasmState } from "./state.ts";

export interface TranspiledComponent {
  /** component.js, the module the runner imports. */
  entry: string;
  kind: ComponentKind;
  exports: string[];
}

interface Meta {
  kind: ComponentKind;
  exports: string[];
}

const inFlight = new Map<string, Promise<TranspiledComponent>>();

/** The transpiled form of a component in the blob store, transpiling it on first use. */
export function transpiled(state: WasmState, componentDigest: string): Promise<TranspiledComponent> {
  const dir = state.transpiledDir(componentDigest);
  const cached = readMeta(dir);
  if (cached !== undefined) return Promise.resolve(cached);
  // Concurrent pulls of images sharing a component transpile it once.
  let pending = inFlight.get(dir);
  if (pending === undefined) {
    pending = transpile(state, componentDigest, dir).finally(() => inFlight.delete(dir));
    inFlight.set(dir, pending);
  }
  return pending;
}

/** Whether the transpiled output is present (imageStatus must not promise what is gone). */
export function isTranspiled(state: WasmState, componentDigest: string): boolean {
  return readMeta(state.transpiledDir(componentDigest)) !== undefined;
}

async function transpile(state: WasmState, componentDigest: string, dir: string): Promise<TranspiledComponent> {
  const bytes = state.readBlob(componentDigest);
  // Loaded on demand: jco carries its own wasm-tools and bindgen (several MB) that an agent running
  // only containerd pods never needs. Keep it external when bundling the agent with esbuild.
  const jco = await import("@bytecodealliance/jco");
  let result: Awaited<ReturnType<typeof jco.transpile>>;
  try {
    result = await jco.transpile(bytes, { name: "component", instantiation: "sync", noTypescript: true, quiet: true });
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new RuntimeError("ErrImagePull", `the image's wasm layer is not a usable WebAssembly component: ${why}`);
  }
  const exports = result.exports.map(([name]) => name);
  const kind = componentKind(exports);
  if (kind === undefined) {
    throw new RuntimeError(
      "ErrImagePull",
      `the component exports neither wasi:cli/run nor wasi:http/incoming-handler (exports: ${exports.join(", ")})`,
    );
  }
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const [name, content] of Object.entries(result.files)) {
    if (name.endsWith(".d.ts")) continue;
    const path = join(tmp, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  writeFileSync(join(tmp, "meta.json"), JSON.stringify({ kind, exports } satisfies Meta));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { entry: join(dir, "component.js"), kind, exports };
}

/** An http server when it exports wasi:http/incoming-handler, else a command when it exports wasi:cli/run. */
export function componentKind(exports: string[]): ComponentKind | undefined {
  if (exports.some((e) => e.startsWith("wasi:http/incoming-handler@"))) return "http";
  if (exports.some((e) => e.startsWith("wasi:cli/run@"))) return "command";
  return undefined;
}

function readMeta(dir: string): TranspiledComponent | undefined {
  const entry = join(dir, "component.js");
  if (!existsSync(entry)) return undefined;
  try {
    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as Meta;
    return { entry, kind: meta.kind, exports: meta.exports };
  } catch {
    return undefined;
  }
}
