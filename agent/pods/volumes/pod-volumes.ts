// A pod's volumes on this node, under <dataDir>/pods/<uid>/volumes/<plugin>/<name> as kubelet lays
// them out. Set up before the sandbox and on every sync (so ConfigMap and Secret edits reach
// running pods), but a volume is rewritten only when its content changed: an idle node must not
// write to its SD card.

import { createHash } from "node:crypto";
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Volume } from "../../../schemas/core/volume.ts";
import { parseQuantity, unitValue } from "../../../schemas/quantity.ts";
import { type VolumeFile, writeAtomicDir } from "./atomic-dir.ts";
import type { Mounter } from "./mounter.ts";
import { type SourceContext, VolumeSetupError, volumeFiles } from "./sources.ts";

const PLUGIN_DIRS = {
  emptyDir: "kubernetes.io~empty-dir",
  configMap: "kubernetes.io~configmap",
  secret: "kubernetes.io~secret",
  downwardAPI: "kubernetes.io~downward-api",
  projected: "kubernetes.io~projected",
} as const;

/** Volumes whose content comes from the API: mounted read-only whatever the volumeMount says, as upstream. */
export function isApiDataVolume(volume: Volume): boolean {
  return Boolean(volume.configMap || volume.secret || volume.downwardAPI || volume.projected);
}

function digest(files: ReadonlyMap<string, VolumeFile>): string {
  const hash = createHash("sha256");
  for (const path of [...files.keys()].sort()) {
    const f = files.get(path);
    if (!f) continue;
    hash.update(`${path}\0${f.mode}\0${f.data.length}\0`).update(f.data);
  }
  return hash.digest("hex");
}

async function checkHostPath(path: string, type: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  const fail = (what: string): never => {
    throw new VolumeSetupError(`hostPath type check failed: ${path} is not ${what}`);
  };
  switch (type) {
    case "":
      return;
    case "DirectoryOrCreate":
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory()) fail("a directory");
      return;
    case "Directory":
      if (!info?.isDirectory()) fail("a directory");
      return;
    case "FileOrCreate":
      if (!info) await writeFile(path, "", { mode: 0o644, flag: "a" });
      else if (!info.isFile()) fail("a file");
      return;
    case "File":
      if (!info?.isFile()) fail("a file");
      return;
    case "Socket":
      if (!info?.isSocket()) fail("a socket file");
      return;
    case "CharDevice":
      if (!info?.isCharacterDevice()) fail("a character device");
      return;
    case "BlockDevice":
      if (!info?.isBlockDevice()) fail("a block device");
      return;
    default:
      throw new VolumeSetupError(`hostPath type ${JSON.stringify(type)} is not supported`);
  }
}

export class PodVolumes {
  /** Volume name -> the host path containers mount. */
  readonly paths = new Map<string, string>();
  private readonly written = new Map<string, string>();
  private readonly tmpfs = new Set<string>();
  readonly podDir: string;
  private readonly mounter: Mounter;

  constructor(podDir: string, mounter: Mounter) {
    this.podDir = podDir;
    this.mounter = mounter;
  }

  /** Sets up every volume; throws VolumeSetupError worded as kubelet's FailedMount events are. */
  async setUp(ctx: SourceContext): Promise<void> {
    for (const volume of ctx.pod.spec?.volumes ?? []) {
      const name = volume.name ?? "";
      try {
        this.paths.set(name, await this.setUpOne(ctx, volume));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new VolumeSetupError(`MountVolume.SetUp failed for volume ${JSON.stringify(name)} : ${message}`);
      }
    }
  }

  private dirFor(plugin: keyof typeof PLUGIN_DIRS, name: string): string {
    return join(this.podDir, "volumes", PLUGIN_DIRS[plugin], name);
  }

  private async setUpOne(ctx: SourceContext, volume: Volume): Promise<string> {
    const name = volume.name ?? "";
    if (volume.hostPath) {
      await checkHostPath(volume.hostPath.path ?? "", volume.hostPath.type ?? "");
      return volume.hostPath.path ?? "";
    }
    if (volume.emptyDir) {
      const dir = this.dirFor("emptyDir", name);
      if (!this.paths.has(name)) {
        await mkdir(dir, { recursive: true });
        if (volume.emptyDir.medium === "Memory") {
          const limit = volume.emptyDir.sizeLimit ? parseQuantity(volume.emptyDir.sizeLimit) : undefined;
          const size = limit && typeof limit !== "string" ? Number(unitValue(limit)) : undefined;
          if (await this.mounter.mountTmpfs(dir, size)) this.tmpfs.add(dir);
        }
        // Any user of any container may write an emptyDir, as upstream makes it.
        await chmod(dir, 0o777);
      }
      return dir;
    }
    const plugin = volume.configMap
      ? "configMap"
      : volume.secret
        ? "secret"
        : volume.downwardAPI
          ? "downwardAPI"
          : volume.projected
            ? "projected"
            : undefined;
    const dir = plugin ? this.dirFor(plugin, name) : "";
    const files = await volumeFiles(ctx, volume, (path) => readFile(join(dir, path)).catch(() => undefined));
    if (!plugin || !files)
      throw new VolumeSetupError(`the volume type of ${JSON.stringify(name)} is not supported by this agent`);
    const sum = digest(files);
    if (this.written.get(name) === sum) return dir;
    await mkdir(dir, { recursive: true });
    if ((plugin === "secret" || plugin === "projected") && !this.tmpfs.has(dir)) {
      if (await this.mounter.mountTmpfs(dir)) this.tmpfs.add(dir);
    }
    await writeAtomicDir(dir, files);
    this.written.set(name, sum);
    return dir;
  }

  /** Creates a subPath inside a writable volume when missing (upstream creates it for the container). */
  async ensureSubPath(path: string): Promise<void> {
    await mkdir(path, { recursive: true, mode: 0o750 }).catch(() => mkdir(dirname(path), { recursive: true }));
  }

  /** Unmounts the tmpfs volumes and removes the pod's directory. */
  async tearDown(): Promise<void> {
    // After an agent restart `tmpfs` is empty, so ask the mounter about everything below the pod.
    await this.mounter.unmountAll(this.podDir);
    this.tmpfs.clear();
    await rm(this.podDir, { recursive: true, force: true });
    this.paths.clear();
    this.written.clear();
  }
}
