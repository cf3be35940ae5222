// A test image that runs a Node.js server (node-image-server.mjs) in a pod, without the internet:
// the busybox layer of container-images.ts plus one layer holding this machine's Node binary, the
// shared libraries it loads (at the paths ldd names, the dynamic loader included), the `ws`
// package, the server script, and /app/in-cluster.mjs (in-cluster-client.mjs bundled with
// @kubernetes/client-node by esbuild). ~100 MB, so it is pushed only by the tests that use it, not with
// the other test images. Deterministic: the same inputs give the same layer bytes, cached under
// IMAGE_CACHE by a hash of those inputs.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { buildSync } from "esbuild";
import { pushImage } from "../../agent/runtime/wasm/push.ts";
import { busyboxLayer, deterministicTar, IMAGE_CACHE, imageConfig } from "./container-images.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const SERVER = join(import.meta.dirname, "node-image-server.mjs");
const WS = join(ROOT, "node_modules/ws");
const IN_CLUSTER_CLIENT = join(import.meta.dirname, "in-cluster-client.mjs");
/** Bump when the layer's layout changes, so cached layers of the old layout are not reused. */
const LAYOUT = "node-layer-v2";

/** One entry of the layer: a file copied from the machine, or a symlink, at its path in the image. */
type Entry = { path: string; source: string } | { path: string; link: string };

/**
 * Pushes `<registry>/kflare-test/node:<major>` (Node `node`, this process's by default; tagged by
 * its major version, so images of two Node versions can sit in one registry); returns the reference.
 */
export async function pushNodeImage(registry: string, node: string = process.execPath): Promise<string> {
  const base = busyboxLayer();
  const top = await nodeLayer(node);
  const config = imageConfig(["/usr/local/bin/node", "/app/server.mjs"], [base.diffId, top.diffId], {
    env: ["PATH=/usr/local/bin:/bin"],
    workingDir: "/app",
  });
  const tag = execFileSync(node, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" }).trim();
  await pushImage(registry, "kflare-test/node", tag, {
    config: { mediaType: "application/vnd.oci.image.config.v1+json", bytes: config },
    layers: [base.gz, top.gz].map((bytes) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", bytes })),
  });
  return `${registry}/kflare-test/node:${tag}`;
}

const built = new Map<string, { gz: Uint8Array; diffId: string }>();

/** The gzipped Node layer and its diff_id: from the cache when its inputs are unchanged. */
async function nodeLayer(node: string = process.execPath): Promise<{ gz: Uint8Array; diffId: string }> {
  const entries = layerEntries(realpathSync(node));
  const key = inputsKey(entries);
  const hit = built.get(key);
  if (hit) return hit;
  const gzPath = join(IMAGE_CACHE, `node-${key}.tar.gz`);
  const idPath = `${gzPath}.diffid`;
  if (!existsSync(gzPath) || !existsSync(idPath)) {
    mkdirSync(IMAGE_CACHE, { recursive: true });
    const tar = buildTar(entries);
    // gzip without a name or time in its header: the same tar always compresses to the same bytes.
    const gz = await promisify(gzip)(tar, { level: 6 });
    writeFileSync(idPath, `sha256:${createHash("sha256").update(tar).digest("hex")}`);
    writeFileSync(`${gzPath}.partial`, gz);
    renameSync(`${gzPath}.partial`, gzPath);
  }
  const layer = { gz: readFileSync(gzPath), diffId: readFileSync(idPath, "utf8") };
  built.set(key, layer);
  return layer;
}

/** What goes in the layer, sorted by path. */
function layerEntries(node: string): Entry[] {
  const entries = new Map<string, Entry>();
  entries.set("/usr/local/bin/node", { path: "/usr/local/bin/node", source: node });
  for (const lib of sharedLibraries(node)) addLibrary(entries, lib);
  for (const file of filesUnder(WS)) {
    const path = `/app/node_modules/ws/${file}`;
    entries.set(path, { path, source: join(WS, file) });
  }
  entries.set("/app/server.mjs", { path: "/app/server.mjs", source: SERVER });
  entries.set("/app/in-cluster.mjs", { path: "/app/in-cluster.mjs", source: inClusterBundle() });
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * in-cluster-client.mjs and @kubernetes/client-node as one file (esbuild's output is deterministic,
 * so the layer's cache key stays put while neither changes).
 */
function inClusterBundle(): string {
  const out = join(IMAGE_CACHE, "in-cluster.mjs");
  mkdirSync(IMAGE_CACHE, { recursive: true });
  buildSync({
    entryPoints: [IN_CLUSTER_CLIENT],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile: out,
    logLevel: "warning",
    // The client's CommonJS dependencies call require(): give the ES module one.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return out;
}

/** The absolute paths `ldd` resolves the binary's libraries to (the vDSO has none, so it is skipped). */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync("ldd", [binary], { encoding: "utf8" });
  return [...out.matchAll(/(?:=>\s*|^\s*)(\/\S+)\s+\(0x/gm)].map((m) => m[1] ?? "").filter(Boolean);
}

/**
 * A library at the path the loader asks for: a symlink stays a symlink (its name is what the
 * loader and DT_NEEDED look up) and its target is added too, until a real file. Symlinked
 * directories on the way (/lib -> usr/lib on merged-/usr systems) become real directories.
 */
function addLibrary(entries: Map<string, Entry>, path: string): void {
  for (let hops = 0; hops < 16 && !entries.has(path); hops++) {
    if (!lstatSync(path).isSymbolicLink()) {
      entries.set(path, { path, source: path });
      return;
    }
    const link = readlinkSync(path);
    entries.set(path, { path, link });
    path = resolve(dirname(path), link);
  }
}

function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((d) =>
      d.isDirectory() ? filesUnder(dir, join(prefix, d.name)) : d.isFile() ? [join(prefix, d.name)] : [],
    );
}

/** A hash of everything that ends up in the layer: paths, modes, link targets, file contents. */
function inputsKey(entries: Entry[]): string {
  const hash = createHash("sha256").update(LAYOUT);
  for (const e of entries) {
    hash.update(`\0${e.path}\0`);
    if ("link" in e) hash.update(`link ${e.link}`);
    else hash.update(`${fileMode(e.source).toString(8)} `).update(readFileSync(e.source));
  }
  return hash.digest("hex").slice(0, 16);
}

/** Permission bits, so an executable stays one; nothing of the umask or the owner. */
function fileMode(source: string): number {
  return statSync(source).mode & 0o777;
}

/** The layer's tar, with container-images.ts's flags: sorted names, fixed times and owners. */
function buildTar(entries: Entry[]): Buffer {
  const work = mkdtempSync(join(tmpdir(), "kflare-node-rootfs-"));
  try {
    const rootfs = join(work, "rootfs");
    const dirs = new Set<string>([rootfs]);
    for (const e of entries) {
      const target = join(rootfs, e.path);
      for (let d = dirname(target); d.startsWith(rootfs) && !dirs.has(d); d = dirname(d)) dirs.add(d);
      mkdirSync(dirname(target), { recursive: true });
      if ("link" in e) symlinkSync(e.link, target);
      else {
        copyFileSync(e.source, target);
        chmodSync(target, fileMode(e.source));
      }
    }
    // Directories get a fixed mode whatever the umask (and "." must not carry mkdtemp's 0700).
    for (const d of dirs) chmodSync(d, 0o755);
    const tarPath = join(work, "layer.tar");
    deterministicTar(rootfs, tarPath);
    return readFileSync(tarPath);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
