// The agent's offline state file: everything it needs to bring its pods back after a reboot or a
// restart while the control plane is unreachable, in one small JSON file. Written atomically
// (temporary file, fsync, rename, fsync of the directory) so a power cut leaves the old file or
// the new one, never half of one; mode 0600 from the start because it holds Secrets.

import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { type ConfigMap, configMapSchema, type Secret, secretSchema } from "../../schemas/core/config.ts";
import { type Pod, podSchema } from "../../schemas/core/pod.ts";

/** Bumped when the layout changes; an older agent refuses a newer file rather than misreading it. */
export const STATE_SCHEMA_VERSION = 1;
export const STATE_FILE_KIND = "KAgentState";

export interface OfflineSnapshot {
  /** The resourceVersion of the node's last assignment change. */
  resourceVersion: string;
  pods: Pod[];
  configMaps: ConfigMap[];
  secrets: Secret[];
}

/** The state file exists but cannot be used: names the file, the problem and the way out. */
export class StateFileError extends Error {
  readonly path: string;
  readonly problem: string;

  constructor(path: string, problem: string) {
    super(
      `k-agent state file ${path} cannot be used: ${problem}. ` +
        `Run "k-agent reset" or delete the file to start over; the agent then gets its pods again from the control plane when it reconnects.`,
    );
    this.name = "StateFileError";
    this.path = path;
    this.problem = problem;
  }
}

const envelopeSchema = z.object({
  kind: z.literal(STATE_FILE_KIND),
  version: z.number().int(),
  resourceVersion: z.string(),
  savedAt: z.string().optional(),
  pods: z.array(z.unknown()),
  configMaps: z.array(z.unknown()),
  secrets: z.array(z.unknown()),
});

function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");
}

function parseAll<T>(file: string, field: string, items: unknown[], schema: z.ZodType<T>): T[] {
  return items.map((item, i) => {
    const r = schema.safeParse(item);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    const where = `${field}[${i}]${issue?.path.length ? `.${issuePath(issue.path)}` : ""}`;
    throw new StateFileError(file, `${where}: ${issue?.message ?? "invalid"}`);
  });
}

/** Reads the state file; undefined when there is none. Throws StateFileError when it is unusable. */
export async function readStateFile(path: string): Promise<OfflineSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw new StateFileError(path, `it cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(path, `it is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version > STATE_SCHEMA_VERSION) {
    throw new StateFileError(
      path,
      `it was written by a newer k-agent (schema version ${version}; this agent reads ${STATE_SCHEMA_VERSION})`,
    );
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    const issue = envelope.error.issues[0];
    throw new StateFileError(
      path,
      `${issue?.path.length ? `${issuePath(issue.path)}: ` : ""}${issue?.message ?? "invalid"}`,
    );
  }
  const e = envelope.data;
  return {
    resourceVersion: e.resourceVersion,
    pods: parseAll(path, "pods", e.pods, podSchema),
    configMaps: parseAll(path, "configMaps", e.configMaps, configMapSchema),
    secrets: parseAll(path, "secrets", e.secrets, secretSchema),
  };
}

/** Replaces the state file atomically, mode 0600. */
export async function writeStateFile(path: string, snapshot: OfflineSnapshot, savedAt = new Date()): Promise<void> {
  const body = JSON.stringify({
    kind: STATE_FILE_KIND,
    version: STATE_SCHEMA_VERSION,
    savedAt: savedAt.toISOString(),
    ...snapshot,
  });
  await writeFileAtomic(path, body);
}

/** Replaces a file atomically (temp file, fsync, rename, directory fsync), mode 0600: an SD card's power cut keeps the old or the new file. */
export async function writeFileAtomic(path: string, body: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const file = await open(tmp, "wx", 0o600);
    try {
      // open's mode passes through the umask; make it exact before any secret lands in it.
      await file.chmod(0o600);
      await file.writeFile(body, "utf8");
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename lives in the directory: sync it too, or a power cut may bring back the old file.
  const d = await open(dir, "r").catch(() => undefined);
  if (d)
    await d
      .sync()
      .catch(() => undefined)
      .finally(() => d.close());
}
