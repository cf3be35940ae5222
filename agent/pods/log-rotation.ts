// Container log files stay size-capped and rotated, as kubelet's container log manager keeps them
// (containerLogMaxSize 10 MiB, containerLogMaxFiles 5): a running container's log over the cap is
// renamed to <log>.<UTC timestamp> and the runtime reopens a fresh file (containerd's
// ReopenContainerLog), or, for a runtime that cannot (the wasm runner holds its file open with
// O_APPEND), copied aside and truncated in place. Only the newest rotated files are kept.
import { copyFile, readdir, rename, rm, stat, truncate } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ContainerRuntime, ContainerStatus } from "../runtime/types.ts";

export interface LogRotationOptions {
  /** Rotate a log above this size (default 10 MiB). */
  maxBytes: number;
  /** Files kept per container log, the current one included (default 5). */
  maxFiles: number;
}

export const DEFAULT_LOG_ROTATION: LogRotationOptions = { maxBytes: 10 << 20, maxFiles: 5 };

/** 20261125-142301.123: sorts by time as text. */
function stamp(now: number): string {
  return new Date(now).toISOString().replace(/[-:]/g, "").replace("T", "-").replace(/Z$/, "");
}

export class LogRotator {
  private readonly runtime: ContainerRuntime;
  private readonly options: LogRotationOptions;
  private readonly now: () => number;

  constructor(runtime: ContainerRuntime, options: Partial<LogRotationOptions> = {}, now: () => number = Date.now) {
    this.runtime = runtime;
    this.options = { ...DEFAULT_LOG_ROTATION, ...options };
    this.now = now;
  }

  /** Whether the runtime running `c` reopens its log after a rename. */
  private reopens(c: ContainerStatus): boolean {
    return this.runtime.reopenContainerLog !== undefined && (c.runtime ?? this.runtime.name) === "containerd";
  }

  /** One pass over the running containers; returns the log paths it rotated. */
  async rotate(): Promise<string[]> {
    const rotated: string[] = [];
    for (const c of await this.runtime.listContainers()) {
      if (c.state !== "running" || !c.logPath) continue;
      const size = (await stat(c.logPath).catch(() => undefined))?.size ?? 0;
      if (size <= this.options.maxBytes) continue;
      const target = `${c.logPath}.${stamp(this.now())}`;
      if (this.reopens(c)) {
        await rename(c.logPath, target);
        await this.runtime.reopenContainerLog?.(c.id);
      } else {
        await copyFile(c.logPath, target);
        await truncate(c.logPath, 0);
      }
      await this.prune(c.logPath);
      rotated.push(c.logPath);
    }
    return rotated;
  }

  /** Keeps the newest maxFiles - 1 rotated files of `logPath`. */
  private async prune(logPath: string): Promise<void> {
    const prefix = `${basename(logPath)}.`;
    const dir = dirname(logPath);
    const old = (await readdir(dir)).filter((f) => f.startsWith(prefix)).sort();
    for (const f of old.slice(0, Math.max(0, old.length - (this.options.maxFiles - 1))))
      await rm(join(dir, f), { force: true });
  }
}
