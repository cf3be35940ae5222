// Pushing images to a registry: any single-platform OCI image (pushImage), and a component as a
// wasm OCI artifact (the layout oci.ts pulls): a config blob (`application/vnd.wasm.config.v0+json`: architecture "wasm", os "wasip2", the layer digests and
// the component's world imports/exports), the component as one `application/wasm` layer, and an
// OCI image manifest tagged in the repository. Used by tests, and meant for a future
// `k-agent images push`.
import type { ImageAuth } from "../types.ts";
import { OCI_MANIFEST, sha256Digest, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE } from "./oci.ts";
import { type RegistryOptions, RegistrySession } from "./registry-session.ts";

export interface PushOptions extends RegistryOptions {
  auth?: ImageAuth;
  /** The component's world, for the config; read from the component with jco when omitted. */
  component?: { imports: string[]; exports: string[] };
  /** Manifest annotations (org.opencontainers.image.*). */
  annotations?: Record<string, string>;
}

/** Pushes `component` to `registry`/`repository`:`tag`; returns the manifest digest. */
export async function pushWasmArtifact(
  registry: string,
  repository: string,
  tag: string,
  component: Uint8Array,
  options: PushOptions = {},
): Promise<string> {
  const layerDigest = sha256Digest(component);
  const config = new TextEncoder().encode(
    JSON.stringify({
      created: new Date().toISOString(),
      architecture: "wasm",
      os: "wasip2",
      layerDigests: [layerDigest],
      component: options.component ?? (await describeComponent(component)),
    }),
  );
  return pushImage(
    registry,
    repository,
    tag,
    {
      config: { mediaType: WASM_CONFIG_MEDIA_TYPE, bytes: config },
      layers: [{ mediaType: WASM_LAYER_MEDIA_TYPE, bytes: component }],
      ...(options.annotations !== undefined ? { annotations: options.annotations } : {}),
    },
    options,
  );
}

export interface ImageContent {
  config: { mediaType: string; bytes: Uint8Array };
  layers: { mediaType: string; bytes: Uint8Array }[];
  annotations?: Record<string, string>;
}

/** Pushes any single-platform OCI image (config, layers, manifest); returns the manifest digest. */
export async function pushImage(
  registry: string,
  repository: string,
  tag: string,
  content: ImageContent,
  options: RegistryOptions & { auth?: ImageAuth } = {},
): Promise<string> {
  const session = new RegistrySession(registry, repository, options.auth, "pull,push", options);
  const configDigest = sha256Digest(content.config.bytes);
  await uploadBlob(session, configDigest, content.config.bytes);
  const layers = [];
  for (const layer of content.layers) {
    const digest = sha256Digest(layer.bytes);
    await uploadBlob(session, digest, layer.bytes);
    layers.push({ mediaType: layer.mediaType, digest, size: layer.bytes.byteLength });
  }
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: content.config.mediaType, digest: configDigest, size: content.config.bytes.byteLength },
      layers,
      ...(content.annotations !== undefined ? { annotations: content.annotations } : {}),
    }),
  );
  const response = await session.request(`manifests/${tag}`, {
    method: "PUT",
    headers: { "content-type": OCI_MANIFEST },
    body: new Uint8Array(manifest),
  });
  await expectStatus(response, [201], `manifest ${repository}:${tag}`);
  return sha256Digest(manifest);
}

/** Monolithic upload (POST then PUT with the digest), skipped when the registry has the blob. */
async function uploadBlob(session: RegistrySession, digest: string, bytes: Uint8Array): Promise<void> {
  const head = await session.request(`blobs/${digest}`, { method: "HEAD" });
  if (head.ok) return;
  const start = await session.request("blobs/uploads/", { method: "POST" });
  await expectStatus(start, [202], `upload of ${digest}`);
  const location = start.headers.get("location");
  if (location === null) throw new Error(`upload of ${digest}: the registry gave no Location`);
  const target = new URL(session.url(location));
  target.searchParams.set("digest", digest);
  const put = await session.request(target.href, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    // A copy typed as ArrayBuffer-backed, which fetch's BodyInit wants.
    body: new Uint8Array(bytes),
  });
  await expectStatus(put, [201], `upload of ${digest}`);
}

async function expectStatus(response: Response, ok: number[], what: string): Promise<void> {
  if (ok.includes(response.status)) {
    await response.body?.cancel();
    return;
  }
  const text = await response.text().catch(() => "");
  throw new Error(`${what}: registry answered ${response.status} ${text.slice(0, 200)}`);
}

/** The world's imports and exports, from the component's own WIT (jco, loaded only when needed). */
async function describeComponent(component: Uint8Array): Promise<{ imports: string[]; exports: string[] }> {
  const { componentWit } = await import("@bytecodealliance/jco");
  const wit = await componentWit(component);
  const imports: string[] = [];
  const exports: string[] = [];
  for (const match of wit.matchAll(/^\s*(import|export)\s+([^;{}\s]+)\s*;/gm)) {
    (match[1] === "import" ? imports : exports).push(match[2] ?? "");
  }
  return { imports, exports };
}
