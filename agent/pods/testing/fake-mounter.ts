// A mounter that records instead of mounting: tests run as root here, and must not mount tmpfs
// on the machine they run on.

import type { Mounter } from "../volumes/mounter.ts";

export class FakeMounter implements Mounter {
  readonly mounted = new Set<string>();
  readonly calls: string[] = [];

  async mountTmpfs(dir: string, sizeBytes?: number): Promise<boolean> {
    this.calls.push(`mount ${dir}${sizeBytes ? ` ${sizeBytes}` : ""}`);
    this.mounted.add(dir);
    return true;
  }

  async unmountAll(dir: string): Promise<void> {
    for (const m of this.mounted) {
      if (m === dir || m.startsWith(`${dir}/`)) {
        this.calls.push(`umount ${m}`);
        this.mounted.delete(m);
      }
    }
  }
}
