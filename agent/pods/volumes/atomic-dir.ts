// Writes the files of a configMap, secret, downwardAPI or projected volume the way kubelet's atomic
// writer does: the files go into a fresh hidden directory, a `..data` symlink is swapped to it in
// one rename, and each visible name is a symlink through `..data`. A container reading the volume
// (or watching it, as many config reloaders do) sees the old set or the new set, never a mix.

import { randomBytes } from "node:crypto";
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";

export interface VolumeFile {
  data: Buffer;
  mode: number;
}

const DATA_LINK = "..data";

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** True when the directory the `..data` link points to holds exactly `files` with their modes. */
async function sameAsOnDisk(dir: string, files: ReadonlyMap<string, VolumeFile>): Promise<boolean> {
  let target: string;
  try {
    target = join(dir, await readlink(join(dir, DATA_LINK)));
  } catch {
    return false;
  }
  const seen = await listFiles(target, "");
  if (seen.length !== files.size) return false;
  for (const rel of seen) {
    const want = files.get(rel);
    if (!want) return false;
    const path = join(target, rel);
    const [info, data] = await Promise.all([stat(path), readFile(path)]);
    if ((info.mode & 0o7777) !== want.mode || !data.equals(want.data)) return false;
  }
  return true;
}

async function listFiles(dir: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

/** Makes `dir` hold `files` (relative paths); returns false when it already did (nothing written). */
export async function writeAtomicDir(dir: string, files: ReadonlyMap<string, VolumeFile>): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  if (await sameAsOnDisk(dir, files)) return false;
  const previous = await readlink(join(dir, DATA_LINK)).catch(() => undefined);
  const stamp = `..${new Date().toISOString().replace(/[-:.]/g, "_")}.${randomBytes(4).toString("hex")}`;
  const fresh = join(dir, stamp);
  await mkdir(fresh, { mode: 0o755 });
  await chmod(fresh, 0o755);
  for (const [rel, file] of files) {
    const path = join(fresh, rel);
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    await writeFile(path, file.data, { mode: file.mode });
    // The umask would strip bits from the requested mode: set it exactly.
    await chmod(path, file.mode);
  }
  const tmpLink = join(dir, "..data_tmp");
  await rm(tmpLink, { force: true });
  await symlink(stamp, tmpLink);
  await rename(tmpLink, join(dir, DATA_LINK));

  const wanted = new Set([...files.keys()].map((rel) => rel.split("/")[0] ?? rel));
  for (const name of wanted) {
    const link = join(dir, name);
    if (!(await exists(link))) await symlink(join(DATA_LINK, name), link);
  }
  for (const entry of await readdir(dir)) {
    if (entry.startsWith("..") || wanted.has(entry)) continue;
    await rm(join(dir, entry), { force: true, recursive: true });
  }
  if (previous && previous !== stamp) await rm(join(dir, previous), { recursive: true, force: true });
  return true;
}
