// Image references as the Docker/OCI distribution grammar spells them:
//   [host[:port]/]path[:tag][@algorithm:hex]
// Short names default as docker does ("nginx" is docker.io/library/nginx:latest). Every runtime
// uses this one parser, so "InvalidImageName" means the same thing whichever adapter runs a pod.
import { RuntimeError } from "./types.ts";

export interface ImageReference {
  /** Registry host as users write it ("docker.io", "127.0.0.1:5000"). */
  registry: string;
  /** Repository path within the registry ("library/nginx"). */
  repository: string;
  /** The tag; "latest" when neither a tag nor a digest was given. */
  tag?: string;
  /** "sha256:<hex>" when pinned by digest. */
  digest?: string;
}

export const DOCKER_HUB = "docker.io";
/** Docker Hub's registry API lives on another host than its name. */
const DOCKER_HUB_API = "registry-1.docker.io";

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

/** Parses an image reference; throws RuntimeError "InvalidImageName" with the reason. */
export function parseImageReference(image: string): ImageReference {
  const invalid = (why: string) => new RuntimeError("InvalidImageName", `invalid image name "${image}": ${why}`);
  if (image.length === 0) throw invalid("it is empty");
  if (image !== image.trim()) throw invalid("it has leading or trailing spaces");

  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (digest.startsWith("sha256:")) {
      if (!SHA256.test(digest)) throw invalid("a sha256 digest has 64 lowercase hex digits");
    } else if (!DIGEST.test(digest)) {
      throw invalid(`"${digest}" is not a digest (algorithm:hex)`);
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(`"${tag}" is not a valid tag`);
  }

  const parts = rest.split("/");
  let registry = DOCKER_HUB;
  const first = parts[0] ?? "";
  // As docker decides: the first component is a host when it has a dot or a port, or is localhost.
  if (
    parts.length > 1 &&
    (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("["))
  ) {
    registry = first;
    parts.shift();
    if (!HOST.test(registry)) throw invalid(`"${registry}" is not a registry host`);
  }
  if (parts.length === 0 || parts.some((p) => p.length === 0)) throw invalid("a path component is empty");
  for (const part of parts) {
    if (!PATH_COMPONENT.test(part)) {
      throw invalid(
        /[A-Z]/.test(part) ? "repository names must be lowercase" : `"${part}" is not a valid path component`,
      );
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift("library");
  const repository = parts.join("/");
  if (registry.length + 1 + repository.length > 255) throw invalid("the name is longer than 255 characters");
  if (tag === undefined && digest === undefined) tag = "latest";
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The canonical string: "docker.io/library/nginx:latest", "host:5000/app@sha256:...". */
export function formatImageReference(ref: ImageReference): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** The reference pinned to a manifest digest, as runtimes report imageRef ("host/repo@sha256:..."). */
export function digestReference(ref: ImageReference, digest: string): string {
  return `${ref.registry}/${ref.repository}@${digest}`;
}

/** The host that serves the registry API for this reference. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** Loopback registries (127.0.0.0/8, localhost, ::1) may be spoken to over plain http. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith("[") ? registry.slice(1, registry.indexOf("]")) : registry.replace(/:\d+$/, "");
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}
