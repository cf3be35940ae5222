// Pulling WebAssembly components stored in OCI registries, in the layout of the CNCF TAG Runtime
// "wasm OCI artifact" spec (what wasm-to-oci, oras, wkg and oci-wasm produce): an OCI image
// manifest whose config is `application/vnd.wasm.config.v0+json` and whose layer is the
// component itself (`application/wasm`; wasm-to-oci's older `application/vnd.wasm.content.layer.v1+wasm`
// is accepted too). Manifests and blobs are verified against their digests before use.
import { createHash } from "node:crypto";
import type { ImageReference } from "../image-reference.ts";
import { type ImageAuth, RuntimeError } from "../types.ts";
import { type RegistryOptions, RegistrySession } from "./registry-session.ts";

export const WASM_LAYER_MEDIA_TYPE = "application/wasm";
export const WASM_LAYER_MEDIA_TYPES: readonly string[] = [
  WASM_LAYER_MEDIA_TYPE,
  "application/vnd.wasm.content.layer.v1+wasm",
];
export const WASM_CONFIG_MEDIA_TYPE = "application/vnd.wasm.config.v0+json";
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(", ");

/** Manifests are small; anything bigger is not one. */
const MAX_MANIFEST_BYTES = 4 << 20;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture?: string; os?: string };
}

/** Where verified blobs are kept, by digest. */
export interface BlobStore {
  has(digest: string): boolean;
  write(digest: string, bytes: Uint8Array): void;
}

export interface PullOptions extends RegistryOptions {
  /** Largest component accepted, in bytes (default 512 MiB). */
  maxBlobBytes?: number;
}

export interface PulledArtifact {
  /** Digest of the image manifest (what imageRef pins). */
  manifestDigest: string;
  /** The component layer, now in the blob store. */
  layer: Descriptor;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Resolves the reference, checks it is a wasm artifact and stores its component layer. */
export async function pullWasmArtifact(
  ref: ImageReference,
  auth: ImageAuth | undefined,
  blobs: BlobStore,
  options: PullOptions = {},
): Promise<PulledArtifact> {
  const name = `${ref.registry}/${ref.repository}`;
  const session = new RegistrySession(ref.registry, ref.repository, auth, "pull", options);
  let { digest, manifest } = await fetchManifest(session, name, ref.digest ?? ref.tag ?? "latest", ref.digest);
  if (manifest.mediaType === OCI_INDEX || manifest.mediaType === DOCKER_LIST || Array.isArray(manifest.manifests)) {
    const entry = pickWasmEntry(manifest.manifests ?? []);
    if (entry === undefined) throw pullError(name, "its index lists no manifest");
    ({ digest, manifest } = await fetchManifest(session, name, entry.digest, entry.digest));
  }
  const layers = manifest.layers ?? [];
  const layer = layers.find((l) => WASM_LAYER_MEDIA_TYPES.includes(l.mediaType));
  if (layer === undefined) {
    const types = layers.map((l) => l.mediaType).join(", ") || "none";
    throw pullError(name, `not a wasm OCI artifact: no ${WASM_LAYER_MEDIA_TYPE} layer (layers: ${types})`);
  }
  const max = options.maxBlobBytes ?? 512 << 20;
  if (!Number.isSafeInteger(layer.size) || layer.size < 0 || layer.size > max) {
    throw pullError(name, `its wasm layer is ${layer.size} bytes, over the ${max} byte limit`);
  }
  if (!blobs.has(layer.digest)) {
    const response = await session.request(`blobs/${layer.digest}`);
    if (!response.ok) {
      await response.body?.cancel();
      throw pullError(name, `blob ${layer.digest}: registry answered ${response.status}`);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength !== layer.size) {
      throw pullError(name, `blob ${layer.digest} is ${bytes.byteLength} bytes, the manifest says ${layer.size}`);
    }
    const actual = sha256Digest(bytes);
    if (actual !== layer.digest) throw pullError(name, `blob ${layer.digest} has digest ${actual}`);
    blobs.write(layer.digest, bytes);
  }
  return { manifestDigest: digest, layer };
}

interface Manifest {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

async function fetchManifest(
  session: RegistrySession,
  name: string,
  reference: string,
  expectedDigest: string | undefined,
): Promise<{ digest: string; manifest: Manifest }> {
  const response = await session.request(`manifests/${reference}`, { headers: { accept: ACCEPT } });
  if (response.status === 404) {
    await response.body?.cancel();
    throw pullError(name, `manifest ${reference} not found`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw pullError(name, `manifest ${reference}: registry answered ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_MANIFEST_BYTES) {
    await response.body?.cancel();
    throw pullError(name, `manifest ${reference} is ${declared} bytes: not a manifest`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength > MAX_MANIFEST_BYTES) throw pullError(name, `manifest ${reference} is too large`);
  // The digest is always computed here, never taken from Docker-Content-Digest.
  const digest = sha256Digest(bytes);
  if (expectedDigest !== undefined && expectedDigest !== digest) {
    throw pullError(name, `manifest has digest ${digest}, not the ${expectedDigest} asked for`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
  } catch {
    throw pullError(name, `manifest ${reference} is not JSON`);
  }
  if (typeof manifest !== "object" || manifest === null)
    throw pullError(name, `manifest ${reference} is not an object`);
  manifest.mediaType ??= response.headers.get("content-type") ?? undefined;
  return { digest, manifest };
}

/** From an index: the wasm platform's manifest (architecture "wasm", os wasip1/wasip2), else the only one. */
function pickWasmEntry(entries: Descriptor[]): Descriptor | undefined {
  const wasm = entries.find((e) => e.platform?.architecture === "wasm" || /^wasi/.test(e.platform?.os ?? ""));
  if (wasm !== undefined) return wasm;
  return entries.length === 1 ? entries[0] : undefined;
}

function pullError(name: string, why: string): RuntimeError {
  return new RuntimeError("ErrImagePull", `failed to pull ${name}: ${why}`);
}
