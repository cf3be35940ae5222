// The wasm runtime's state on disk, everything an agent restart needs to adopt what runs:
//   <stateDir>/wasm/blobs/sha256/<hex>          components, content-addressed
//   <stateDir>/wasm/transpiled/<hex>/           jco's JS for a component, by component digest
//   <stateDir>/wasm/images/<hash of ref>.json   what a reference resolved to at its last pull
//   <stateDir>/wasm/sandboxes/<id>.json         sandbox records
//   <stateDir>/wasm/containers/<id>.json        container records (pid + its start time)
//   <stateDir>/wasm/containers/<id>.run.json    the runner's config (holds env: mode 0600)
//   <stateDir>/wasm/containers/<id>.exit.json   written by the runner (or by us) when it ends
// Records are written whole to a temporary file and renamed, so a crash never leaves half a file.
// They are written when something changes, never periodically (SD cards wear out).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PodSandboxConfig } from "../types.ts";
import type { Preopen } from "./container-spec.ts";
import type { BlobStore } from "./oci.ts";
import type { NetnsHolder } from "./pod-netns.ts";

export type ComponentKind = "command" | "http";

export interface ImageRecord {
  /** Canonical reference as pulled ("host/repo:tag"). */
  reference: string;
  /** "host/repo@sha256:<manifest digest>": the imageRef runtimes report. */
  imageRef: string;
  componentDigest: string;
  kind: ComponentKind;
  pulledAt: number;
}

export interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  state: "ready" | "notready";
  ip: string;
  /** The holder of the sandbox's own network namespace (none: the node's network). */
  netns?: NetnsHolder | undefined;
  createdAt: number;
}

export interface ExitRecord {
  exitCode: number;
  reason: string;
  message?: string;
  finishedAt: number;
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  image: string;
  imageRef: string;
  componentDigest: string;
  kind: ComponentKind;
  /** Absolute path of the CRI log file. */
  logPath: string;
  /** The TCP port an http component serves on. */
  port?: number;
  memoryCapPages: number;
  createdAt: number;
  startedAt?: number;
  pid?: number;
  /** /proc/<pid>/stat start time: tells our process from another that reuses its pid. */
  pidStartTime?: string;
  /** When the agent asked it to stop, and whether it had to SIGKILL it. */
  stop?: { requestedAt: number; killed: boolean };
  exit?: ExitRecord;
}

/** What the runner reads (runner.mjs): everything a guest is allowed to see. */
export interface RunConfig {
  id: string;
  /** The transpiled component's entry (component.js). */
  component: string;
  kind: ComponentKind;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Directories the guest sees (and nothing else of the host's filesystem). */
  preopens: Preopen[];
  listen?: { host: string; port: number };
  exitPath: string;
  memoryCapPages: number;
}

export class WasmState implements BlobStore {
  readonly root: string;

  constructor(stateDir: string) {
    this.root = join(stateDir, "wasm");
    for (const dir of ["blobs/sha256", "transpiled", "images", "sandboxes", "containers"]) {
      mkdirSync(join(this.root, dir), { recursive: true, mode: 0o700 });
    }
  }

  // --- blobs ---
  blobPath(digest: string): string {
    const [algorithm, hex] = digest.split(":");
    if (algorithm !== "sha256" || hex === undefined || !/^[a-f0-9]{64}$/.test(hex)) {
      throw new Error(`unsupported digest ${digest}`);
    }
    return join(this.root, "blobs/sha256", hex);
  }
  has(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }
  write(digest: string, bytes: Uint8Array): void {
    writeAtomic(this.blobPath(digest), bytes, 0o644);
  }
  readBlob(digest: string): Uint8Array {
    return readFileSync(this.blobPath(digest));
  }
  transpiledDir(componentDigest: string): string {
    return join(this.root, "transpiled", componentDigest.replace(/^sha256:/, ""));
  }

  // --- images ---
  private imagePath(reference: string): string {
    return join(this.root, "images", `${createHash("sha256").update(reference).digest("hex").slice(0, 32)}.json`);
  }
  readImage(reference: string): ImageRecord | undefined {
    return readJson<ImageRecord>(this.imagePath(reference));
  }
  writeImage(record: ImageRecord): void {
    writeJson(this.imagePath(record.reference), record);
  }

  // --- sandboxes and containers ---
  readSandbox(id: string): SandboxRecord | undefined {
    return safeId(id) ? readJson<SandboxRecord>(join(this.root, "sandboxes", `${id}.json`)) : undefined;
  }
  writeSandbox(record: SandboxRecord): void {
    writeJson(join(this.root, "sandboxes", `${record.id}.json`), record);
  }
  removeSandbox(id: string): void {
    rmSync(join(this.root, "sandboxes", `${id}.json`), { force: true });
  }
  sandboxIds(): string[] {
    return listIds(join(this.root, "sandboxes"));
  }

  readContainer(id: string): ContainerRecord | undefined {
    return safeId(id) ? readJson<ContainerRecord>(this.containerPath(id, "")) : undefined;
  }
  writeContainer(record: ContainerRecord): void {
    writeJson(this.containerPath(record.id, ""), record);
  }
  removeContainer(id: string): void {
    for (const suffix of ["", ".run", ".exit"]) rmSync(this.containerPath(id, suffix), { force: true });
  }
  containerIds(): string[] {
    return listIds(join(this.root, "containers"));
  }
  writeRunConfig(config: RunConfig): void {
    writeJson(this.runConfigPath(config.id), config);
  }
  runConfigPath(id: string): string {
    return this.containerPath(id, ".run");
  }
  exitPath(id: string): string {
    return this.containerPath(id, ".exit");
  }
  readExit(id: string): ExitRecord | undefined {
    return readJson<ExitRecord>(this.exitPath(id));
  }
  writeExit(id: string, exit: ExitRecord): void {
    writeJson(this.exitPath(id), exit);
  }
  private containerPath(id: string, suffix: string): string {
    return join(this.root, "containers", `${id}${suffix}.json`);
  }
}

/** Ids are ours (hex); anything else never reaches a path. */
function safeId(id: string): boolean {
  return /^[a-f0-9]{8,64}$/.test(id);
}

function listIds(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => /^([a-f0-9]+)\.json$/.exec(f)?.[1])
    .filter((id): id is string => id !== undefined);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Mode 0600: container records and run configs can hold Secrets passed as env. */
function writeJson(path: string, value: unknown): void {
  writeAtomic(path, JSON.stringify(value), 0o600);
}

export function writeAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}
