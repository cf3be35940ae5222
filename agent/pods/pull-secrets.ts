// Registry credentials from a pod's imagePullSecrets (kubernetes.io/dockerconfigjson and the older
// kubernetes.io/dockercfg): the entry whose registry (and optional path) matches the image, the
// longest match winning, as Docker's and kubelet's keyrings choose.

import type { Secret } from "../../schemas/core/config.ts";
import type { ImageAuth } from "../runtime/types.ts";
import { secretText } from "./env.ts";

const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** "nginx" -> "docker.io/library/nginx"; "ghcr.io/a/b:1" -> "ghcr.io/a/b". */
export function imageRepository(image: string): string {
  const name = image.split("@")[0] ?? image;
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const bare = colon > slash ? name.slice(0, colon) : name;
  const first = bare.split("/")[0] ?? "";
  const hasRegistry = bare.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry) return bare;
  return bare.includes("/") ? `docker.io/${bare}` : `docker.io/library/${bare}`;
}

/** A keyring key ("https://index.docker.io/v1/", "registry.local:5000/team") as host[/path]. */
function normalizeKey(key: string): string {
  let k = key.replace(/^[a-z]+:\/\//, "").replace(/\/+$/, "");
  k = k.replace(/\/v[12]$/, "");
  const [host = "", ...path] = k.split("/");
  return [DOCKER_HUB.has(host) ? "docker.io" : host, ...path].join("/");
}

function hostMatches(pattern: string, host: string): boolean {
  if (!pattern.includes("*")) return pattern === host;
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^.]*")}$`);
  return re.test(host);
}

interface DockerAuthEntry {
  username?: string;
  password?: string;
  auth?: string;
}

function entriesOf(secret: Secret): Record<string, DockerAuthEntry> {
  try {
    if (secret.type === "kubernetes.io/dockerconfigjson") {
      const parsed = JSON.parse(secretText(secret, ".dockerconfigjson") ?? "{}") as {
        auths?: Record<string, DockerAuthEntry>;
      };
      return parsed.auths ?? {};
    }
    if (secret.type === "kubernetes.io/dockercfg") {
      return JSON.parse(secretText(secret, ".dockercfg") ?? "{}") as Record<string, DockerAuthEntry>;
    }
  } catch {
    // A malformed pull secret gives no credentials (upstream logs and skips it); the pull then
    // fails with the registry's own error, which is what the user sees.
  }
  return {};
}

export function findImageAuth(image: string, secrets: readonly Secret[]): ImageAuth | undefined {
  const repo = imageRepository(image);
  const [host = "", ...rest] = repo.split("/");
  const path = rest.join("/");
  let best: { length: number; auth: ImageAuth } | undefined;
  for (const secret of secrets) {
    for (const [key, entry] of Object.entries(entriesOf(secret))) {
      const [keyHost = "", ...keyPath] = normalizeKey(key).split("/");
      const prefix = keyPath.join("/");
      if (!hostMatches(keyHost, host)) continue;
      if (prefix && path !== prefix && !path.startsWith(`${prefix}/`)) continue;
      const length = keyHost.length + prefix.length;
      if (best && best.length >= length) continue;
      const auth: ImageAuth = {};
      if (entry.username !== undefined) auth.username = entry.username;
      if (entry.password !== undefined) auth.password = entry.password;
      if (entry.auth !== undefined) auth.auth = entry.auth;
      best = { length, auth };
    }
  }
  return best?.auth;
}
