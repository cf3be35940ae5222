// The registry client against a small registry of our own on loopback: the auth dance (Bearer
// tokens, Basic), digest checks, indexes and the wasm artifact layout. No docker-registry needed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseImageReference } from "../image-reference.ts";
import { RuntimeError } from "../types.ts";
import { pullWasmArtifact, sha256Digest } from "./oci.ts";
import { parseChallenge } from "./registry-session.ts";

const COMPONENT = new TextEncoder().encode("\0asm pretend component");
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const layer = { mediaType: "application/wasm", digest: sha256Digest(COMPONENT), size: COMPONENT.byteLength };
const config = json({ architecture: "wasm", os: "wasip2", layerDigests: [layer.digest] });
const manifest = (layers: unknown[]) =>
  json({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.wasm.config.v0+json", digest: sha256Digest(config), size: config.byteLength },
    layers,
  });
const good = manifest([layer]);
const corrupt = manifest([{ ...layer, digest: sha256Digest(new Uint8Array([1])) }]);
const tarOnly = manifest([{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer.digest, size: 1 }]);
const index = json({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha256Digest(tarOnly),
      size: tarOnly.byteLength,
      platform: { architecture: "amd64", os: "linux" },
    },
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha256Digest(good),
      size: good.byteLength,
      platform: { architecture: "wasm", os: "wasip2" },
    },
  ],
});
const manifests = new Map<string, Uint8Array>([
  ["good", good],
  ["corrupt", corrupt],
  ["tar", tarOnly],
  ["multi", index],
  ...[good, tarOnly, corrupt].map((m): [string, Uint8Array] => [sha256Digest(m), m]),
]);

/** A registry: /v2/bearer/... wants a token from /token (user:pass), /v2/basic/... wants Basic, /v2/open/... nothing. */
let server: Server;
let host = "";
const tokenRequests: URL[] = [];
const blobRequests: string[] = [];
const BASIC = `Basic ${Buffer.from("user:pass").toString("base64")}`;

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? "/", `http://${host}`);
  const auth = request.headers.authorization;
  if (url.pathname === "/token") {
    tokenRequests.push(url);
    if (auth !== BASIC) return void response.writeHead(401).end();
    return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: "t0k" }));
  }
  const match = /^\/v2\/(bearer|basic|open)\/app\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
  if (match === null) return void response.writeHead(404).end();
  const [, scheme, kind, ref] = match;
  if (scheme === "bearer" && auth !== "Bearer t0k") {
    const challenge = `Bearer realm="http://${host}/token",service="test-registry",scope="repository:bearer/app:pull"`;
    return void response.writeHead(401, { "www-authenticate": challenge }).end();
  }
  if (scheme === "basic" && auth !== BASIC) {
    return void response.writeHead(401, { "www-authenticate": 'Basic realm="test"' }).end();
  }
  if (kind === "blobs") {
    blobRequests.push(ref ?? "");
    return void response.writeHead(ref === layer.digest ? 200 : 404).end(ref === layer.digest ? COMPONENT : undefined);
  }
  const body = manifests.get(ref ?? "");
  if (body === undefined) return void response.writeHead(404).end();
  const type =
    body === index ? "application/vnd.oci.image.index.v1+json" : "application/vnd.oci.image.manifest.v1+json";
  response.writeHead(200, { "content-type": type }).end(body);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A blob store in memory. */
const store = () => {
  const blobs = new Map<string, Uint8Array>();
  return { blobs, has: (d: string) => blobs.has(d), write: (d: string, b: Uint8Array) => void blobs.set(d, b) };
};
const pull = (image: string, auth?: { username: string; password: string }, blobs = store()) =>
  pullWasmArtifact(parseImageReference(image.replace("HOST", host)), auth, blobs);
const failure = async (promise: Promise<unknown>) => {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RuntimeError);
  expect((error as RuntimeError).reason).toBe("ErrImagePull");
  return (error as RuntimeError).message;
};

describe("pullWasmArtifact", () => {
  test("Bearer: a token from the realm, asked with the credentials and the repository's pull scope", async () => {
    const blobs = store();
    const pulled = await pull("HOST/bearer/app:good", { username: "user", password: "pass" }, blobs);
    expect(pulled).toEqual({ manifestDigest: sha256Digest(good), layer });
    expect(blobs.blobs.get(layer.digest)).toEqual(COMPONENT);
    const asked = tokenRequests.at(-1);
    expect(asked?.searchParams.get("service")).toBe("test-registry");
    expect(asked?.searchParams.get("scope")).toBe("repository:bearer/app:pull");
  });

  test("Bearer without (or with wrong) credentials: refused", async () => {
    expect(await failure(pull("HOST/bearer/app:good"))).toContain("refused access");
    expect(await failure(pull("HOST/bearer/app:good", { username: "user", password: "no" }))).toContain(
      "refused access",
    );
  });

  test("Basic: the credentials themselves", async () => {
    expect((await pull("HOST/basic/app:good", { username: "user", password: "pass" })).layer).toEqual(layer);
    expect(await failure(pull("HOST/basic/app:good"))).toContain("none were given");
  });

  test("digests are checked: the manifest against the reference, the blob against the manifest", async () => {
    const pinned = await pull(`HOST/open/app@${sha256Digest(good)}`);
    expect(pinned.manifestDigest).toBe(sha256Digest(good));
    expect(
      await failure(
        pull(`HOST/open/app@${sha256Digest(tarOnly)}`.replace(sha256Digest(tarOnly), sha256Digest(corrupt))),
      ),
    ).toContain("blob");
    expect(await failure(pull("HOST/open/app:corrupt"))).toContain("blob");
  });

  test("a cached blob is not fetched again", async () => {
    const blobs = store();
    await pull("HOST/open/app:good", undefined, blobs);
    const before = blobRequests.length;
    await pull("HOST/open/app:good", undefined, blobs);
    expect(blobRequests.length).toBe(before);
  });

  test("an index: the wasm platform's manifest", async () => {
    expect((await pull("HOST/open/app:multi")).manifestDigest).toBe(sha256Digest(good));
  });

  test("not a wasm artifact, missing, unreachable", async () => {
    expect(await failure(pull("HOST/open/app:tar"))).toContain("not a wasm OCI artifact");
    expect(await failure(pull("HOST/open/app:nope"))).toContain("not found");
    expect(await failure(pull("127.0.0.1:1/open/app:good"))).toContain("cannot reach registry");
  });

  test("https for registries that are not on loopback", async () => {
    const urls: string[] = [];
    const fetchSpy: typeof fetch = async (input) => {
      urls.push(String(input instanceof Request ? input.url : input));
      return new Response(null, { status: 404 });
    };
    const ref = parseImageReference("hello");
    await failure(pullWasmArtifact(ref, undefined, store(), { fetch: fetchSpy }));
    expect(urls).toEqual(["https://registry-1.docker.io/v2/library/hello/manifests/latest"]);
    const plain = parseImageReference("registry.lan:5000/app:1");
    await failure(
      pullWasmArtifact(plain, undefined, store(), { fetch: fetchSpy, plainHttpRegistries: ["registry.lan:5000"] }),
    );
    expect(urls.at(-1)).toBe("http://registry.lan:5000/v2/app/manifests/1");
  });
});

test("parseChallenge", () => {
  expect(parseChallenge('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull"')).toEqual(
    {
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "reg", scope: "repository:a/b:pull" },
    },
  );
  expect(parseChallenge("Basic realm=test")).toEqual({ scheme: "basic", params: { realm: "test" } });
});
