// Test container images without the internet: one reproducible layer built from Debian's
// busybox-static (busybox and its applet links, /etc/passwd, /tmp), shared by several images
// that differ only in their config's command. Pushed to the loopback registry as OCI images, so
// containerd pulls them for real (manifest, config and layer GETs).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { ImageAuth } from "../../agent/runtime/types.ts";
import { pushImage } from "../../agent/runtime/wasm/push.ts";

const ROOT = resolve(import.meta.dirname, "../..");
/** Where built layers are cached, by a hash of their inputs (node-image.ts caches there too). */
export const IMAGE_CACHE = join(ROOT, "node_modules/.cache/kflare-images");
const BUSYBOX = "/bin/busybox";

/** The images the containerd tests run, by repository name: each one's command. */
export const TEST_IMAGES = {
  hello: ["/bin/sh", "-c", "echo hello from containerd"],
  failing: ["/bin/sh", "-c", "echo failing with exit code 3 >&2; exit 3"],
  ticker: ["/bin/sh", "-c", "i=0; while :; do echo tick $i; i=$((i+1)); usleep 200000; done"],
  stubborn: ["/bin/sh", "-c", "trap '' TERM; while :; do usleep 100000; done"],
  // dd allocates its 100 MiB block at once: over a 32 MiB limit the kernel OOM-kills it.
  memoryhog: ["/bin/sh", "-c", "dd if=/dev/zero of=/dev/null bs=100M count=1"],
  web: ["/bin/httpd", "-f", "-v", "-p", "80", "-h", "/www"],
  // The seed manifest's myapp:1.2.0 (nothing by that name is on Docker Hub): HTTP on port 3000.
  myapp: ["/bin/httpd", "-f", "-v", "-p", "3000", "-h", "/www"],
  // The sandbox ("pause") image: sleeps until told to stop.
  pause: ["/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait; done"],
} as const;

export type TestImage = keyof typeof TEST_IMAGES;

export function busyboxAvailable(): boolean {
  return existsSync(BUSYBOX) && existsSync("/usr/bin/tar");
}

/**
 * The gzipped busybox rootfs layer and its uncompressed digest (diff_id), built once and cached:
 * the base layer of every test image (node-image.ts stacks Node on it).
 */
let built: { gz: Uint8Array; diffId: string } | undefined;
export function busyboxLayer(): { gz: Uint8Array; diffId: string } {
  built ??= buildLayer();
  return built;
}

/** Tars `dir` into `out` the same way every time: sorted names, fixed times and owners. */
export function deterministicTar(dir: string, out: string): void {
  execFileSync("tar", [
    "--sort=name",
    "--mtime=@0",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "-C",
    dir,
    "-cf",
    out,
    ".",
  ]);
}

function buildLayer(): { gz: Uint8Array; diffId: string } {
  const busybox = readFileSync(BUSYBOX);
  const key = createHash("sha256").update(busybox).update("layer-v1").digest("hex").slice(0, 16);
  const tarPath = join(IMAGE_CACHE, `busybox-${key}.tar`);
  if (!existsSync(tarPath)) {
    mkdirSync(IMAGE_CACHE, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), "kflare-rootfs-"));
    try {
      const rootfs = join(work, "rootfs");
      for (const dir of ["bin", "etc", "www", "tmp", "proc", "sys", "dev", "root"])
        mkdirSync(join(rootfs, dir), { recursive: true });
      writeFileSync(join(rootfs, "bin/busybox"), busybox, { mode: 0o755 });
      const applets = execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean);
      for (const applet of applets) if (applet !== "busybox") symlinkSync("busybox", join(rootfs, "bin", applet));
      writeFileSync(
        join(rootfs, "etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
      );
      writeFileSync(join(rootfs, "etc/group"), "root:x:0:\nnobody:x:65534:\n");
      writeFileSync(join(rootfs, "www/index.html"), "hello from web\n");
      execFileSync("chmod", ["1777", join(rootfs, "tmp")]);
      deterministicTar(rootfs, `${tarPath}.partial`);
      execFileSync("mv", [`${tarPath}.partial`, tarPath]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const tar = readFileSync(tarPath);
  return { gz: gzipSync(tar, { level: 6 }), diffId: `sha256:${createHash("sha256").update(tar).digest("hex")}` };
}

/** An image config: the command, the layers' diff_ids (bottom first), and the process's env and cwd. */
export function imageConfig(
  cmd: readonly string[],
  diffIds: readonly string[],
  { env = ["PATH=/bin"], workingDir = "/" }: { env?: readonly string[]; workingDir?: string } = {},
): Uint8Array {
  const arch = process.arch === "arm64" ? "arm64" : "amd64";
  return new TextEncoder().encode(
    JSON.stringify({
      architecture: arch,
      os: "linux",
      created: "1970-01-01T00:00:00Z",
      config: { Env: env, Cmd: cmd, WorkingDir: workingDir },
      rootfs: { type: "layers", diff_ids: diffIds },
    }),
  );
}

/** Pushes test image `name` as `<registry>/<repository>:<tag>` (as `auth`'s user, when given). */
export async function pushTestImage(
  registry: string,
  name: TestImage,
  repository: string,
  tag: string,
  auth?: ImageAuth,
): Promise<string> {
  const { gz, diffId } = busyboxLayer();
  await pushImage(
    registry,
    repository,
    tag,
    {
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        bytes: imageConfig(TEST_IMAGES[name], [diffId]),
      },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", bytes: gz }],
    },
    auth ? { auth } : {},
  );
  return `${registry}/${repository}:${tag}`;
}

/** Pushes every test image as `<registry>/kflare-test/<name>:1`; returns the references. */
export async function pushTestImages(registry: string): Promise<Record<TestImage, string>> {
  const refs: Partial<Record<TestImage, string>> = {};
  for (const name of Object.keys(TEST_IMAGES) as TestImage[])
    refs[name] = await pushTestImage(registry, name, `kflare-test/${name}`, "1");
  return refs as Record<TestImage, string>;
}

/**
 * Writes test image `name` as an OCI image-layout archive (a tar: oci-layout, index.json, blobs),
 * the form `k-agent images import` loads; `reference` is what containerd will call it.
 */
export function writeOciArchive(path: string, name: TestImage, reference: string): void {
  const { gz, diffId } = busyboxLayer();
  const work = mkdtempSync(join(tmpdir(), "kflare-oci-"));
  try {
    const blobs = join(work, "blobs", "sha256");
    mkdirSync(blobs, { recursive: true });
    const put = (bytes: Uint8Array) => {
      const hex = createHash("sha256").update(bytes).digest("hex");
      writeFileSync(join(blobs, hex), bytes);
      return { digest: `sha256:${hex}`, size: bytes.byteLength };
    };
    const cfg = put(imageConfig(TEST_IMAGES[name], [diffId]));
    const lyr = put(gz);
    const manifest = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...cfg },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...lyr }],
      }),
    );
    const m = put(manifest);
    writeFileSync(join(work, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(
      join(work, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            ...m,
            annotations: { "io.containerd.image.name": reference },
          },
        ],
      }),
    );
    execFileSync("tar", ["-C", work, "-cf", path, "."]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
