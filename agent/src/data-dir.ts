// The agent's data directory (default ~/.k-agent): its credential (mode 0600), the cluster CA, and
// the state it needs to run offline. Writes are atomic (temp file, fsync, rename).

import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface Credential {
  server: string;
  cluster: string;
  nodeName: string;
  token: string;
  /** PEM of the pinned cluster CA; absent for servers with a publicly trusted certificate. */
  caPem?: string;
  joinedAt: string;
}

export function defaultDataDir(): string {
  return join(homedir(), ".k-agent");
}

export function credentialPath(dataDir: string): string {
  return join(dataDir, "credential.json");
}

export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  const fh = await open(tmp, "w", mode);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export async function saveCredential(dataDir: string, c: Credential): Promise<void> {
  await writeFileAtomic(credentialPath(dataDir), `${JSON.stringify(c, null, 2)}\n`, 0o600);
}

export class NotJoinedError extends Error {}

/** The stored credential; a clear error when the agent has not joined or the file is damaged. */
export async function loadCredential(dataDir: string): Promise<Credential> {
  const path = credentialPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new NotJoinedError(`this machine has not joined a cluster (no ${path}); run: k-agent join <token>`);
  }
  let c: Partial<Credential>;
  try {
    c = JSON.parse(text) as Partial<Credential>;
  } catch {
    throw new NotJoinedError(
      `${path} is damaged (not JSON); run \`k-agent reset --data-dir ${dataDir}\` and join again`,
    );
  }
  if (!c.server || !c.nodeName || !c.token || !c.cluster) {
    throw new NotJoinedError(`${path} is incomplete; run \`k-agent reset --data-dir ${dataDir}\` and join again`);
  }
  return c as Credential;
}

export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}
