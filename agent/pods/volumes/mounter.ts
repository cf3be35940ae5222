// tmpfs for memory-backed emptyDir volumes and for secret volumes: upstream keeps secrets off disk
// this way, and on a Raspberry Pi it also spares the SD card. Mounting needs root; without it the
// volume is a plain directory (the container still works, the data just lives on disk).

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Mounter {
  /** Mounts a tmpfs at `dir` (an existing directory); false when it cannot, and `dir` stays a directory. */
  mountTmpfs(dir: string, sizeBytes?: number): Promise<boolean>;
  /** Unmounts every mount at or below `dir` (a pod's directory), if any. */
  unmountAll(dir: string): Promise<void>;
}

async function mountPoints(): Promise<string[]> {
  try {
    const table = await readFile("/proc/self/mounts", "utf8");
    return table.split("\n").map((line) => line.split(" ")[1] ?? "");
  } catch {
    return [];
  }
}

export const systemMounter: Mounter = {
  async mountTmpfs(dir, sizeBytes) {
    if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
    if ((await mountPoints()).includes(dir)) return true;
    const options = sizeBytes ? `mode=0755,size=${sizeBytes}` : "mode=0755";
    try {
      await run("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
      return true;
    } catch {
      return false;
    }
  },
  async unmountAll(dir) {
    const below = (await mountPoints()).filter((m) => m === dir || m.startsWith(`${dir}/`));
    // Deepest first, so a mount inside another comes off before its parent.
    for (const m of below.sort((a, b) => b.length - a.length)) await run("umount", [m]).catch(() => undefined);
  },
};
