// The files a configMap, secret, downwardAPI or projected volume holds: every key (or only the
// listed items, under their own paths), each with the item's mode or the volume's defaultMode
// (0644 when unset, as the API server defaults it); projected service-account tokens too. Secret
// bytes and tokens are written, never logged.

import type { KeyToPath } from "../../../schemas/core/common.ts";
import type { Container } from "../../../schemas/core/container.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import type { DownwardAPIVolumeFile, Volume } from "../../../schemas/core/volume.ts";
import { fieldRefValue, type NodeAllocatable, type PodAddresses, resourceFieldValue } from "../downward.ts";
import type { ConfigSource } from "../env.ts";
import type { TokenSource } from "../service-account-tokens.ts";
import type { VolumeFile } from "./atomic-dir.ts";

export const DEFAULT_FILE_MODE = 0o644;

export interface SourceContext {
  pod: Pod;
  config: ConfigSource;
  addresses: PodAddresses;
  allocatable: NodeAllocatable;
  /** Service-account tokens (absent: serviceAccountToken sources are left out, e.g. in tests without a control plane). */
  tokens?: TokenSource;
}

export class VolumeSetupError extends Error {}

type Files = Map<string, VolumeFile>;

function project(
  data: Map<string, Buffer>,
  items: KeyToPath[] | undefined,
  mode: number,
  what: "configmap" | "secret",
  optional: boolean,
  into: Files,
): void {
  if (!items || items.length === 0) {
    for (const [key, value] of data) into.set(key, { data: value, mode });
    return;
  }
  for (const item of items) {
    const value = data.get(item.key ?? "");
    if (value === undefined) {
      if (optional) continue;
      throw new VolumeSetupError(
        `${what} references non-existent ${what === "secret" ? "secret" : "config"} key: ${item.key}`,
      );
    }
    into.set(item.path ?? item.key ?? "", { data: value, mode: item.mode ?? mode });
  }
}

function configMapFiles(
  ctx: SourceContext,
  ref: { name?: string; items?: KeyToPath[]; optional?: boolean },
  mode: number,
  into: Files,
): void {
  const cm = ctx.config.configMap(ctx.pod.metadata.namespace ?? "default", ref.name ?? "");
  if (!cm) {
    if (ref.optional) return;
    throw new VolumeSetupError(`configmap ${JSON.stringify(ref.name ?? "")} not found`);
  }
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) data.set(k, Buffer.from(v, "utf8"));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) data.set(k, Buffer.from(v, "base64"));
  project(data, ref.items, mode, "configmap", ref.optional ?? false, into);
}

function secretFiles(
  ctx: SourceContext,
  ref: { name?: string; items?: KeyToPath[]; optional?: boolean },
  mode: number,
  into: Files,
): void {
  const secret = ctx.config.secret(ctx.pod.metadata.namespace ?? "default", ref.name ?? "");
  if (!secret) {
    if (ref.optional) return;
    throw new VolumeSetupError(`secret ${JSON.stringify(ref.name ?? "")} not found`);
  }
  const data = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) data.set(k, Buffer.from(v, "base64"));
  project(data, ref.items, mode, "secret", ref.optional ?? false, into);
}

function downwardFiles(
  ctx: SourceContext,
  items: DownwardAPIVolumeFile[] | undefined,
  mode: number,
  into: Files,
): void {
  const containers: Container[] = [...(ctx.pod.spec?.containers ?? []), ...(ctx.pod.spec?.initContainers ?? [])];
  for (const item of items ?? []) {
    let result: { value: string } | { error: string };
    if (item.fieldRef) {
      result = fieldRefValue(ctx.pod, item.fieldRef.fieldPath ?? "", ctx.addresses);
    } else if (item.resourceFieldRef) {
      const ref = item.resourceFieldRef;
      const container = containers.find((c) => c.name === ref.containerName);
      if (!container) throw new VolumeSetupError(`container ${JSON.stringify(ref.containerName ?? "")} not found`);
      result = resourceFieldValue(container, ref.resource ?? "", ref.divisor, ctx.allocatable);
    } else {
      continue;
    }
    if ("error" in result) throw new VolumeSetupError(result.error);
    into.set(item.path ?? "", { data: Buffer.from(result.value, "utf8"), mode: item.mode ?? mode });
  }
}

/**
 * A projected service-account token. When none can be had (the control plane is unreachable after
 * an agent restart) the file already in the volume is kept: the pod's token is still good until it
 * expires, and the control plane decides that.
 */
async function tokenFile(
  ctx: SourceContext,
  source: { audience?: string; expirationSeconds?: number; path?: string },
  mode: number,
  existing: ((path: string) => Promise<Buffer | undefined>) | undefined,
  into: Files,
): Promise<void> {
  if (!ctx.tokens) return;
  const path = source.path ?? "";
  try {
    const token = await ctx.tokens.token(ctx.pod, source.audience, source.expirationSeconds ?? 3600);
    into.set(path, { data: Buffer.from(token, "utf8"), mode });
  } catch (err) {
    const kept = await existing?.(path);
    if (kept) {
      into.set(path, { data: kept, mode });
      return;
    }
    const why = err instanceof Error ? err.message : String(err);
    throw new VolumeSetupError(`failed to fetch token: ${why}`);
  }
}

/**
 * The files of a volume that holds API data; undefined for other volume types. `existing` reads a
 * file the volume holds now (what a token falls back to).
 */
export async function volumeFiles(
  ctx: SourceContext,
  volume: Volume,
  existing?: (path: string) => Promise<Buffer | undefined>,
): Promise<Files | undefined> {
  const files: Files = new Map();
  if (volume.configMap) {
    configMapFiles(ctx, volume.configMap, volume.configMap.defaultMode ?? DEFAULT_FILE_MODE, files);
  } else if (volume.secret) {
    const s = volume.secret;
    secretFiles(
      ctx,
      { name: s.secretName, items: s.items, optional: s.optional },
      s.defaultMode ?? DEFAULT_FILE_MODE,
      files,
    );
  } else if (volume.downwardAPI) {
    downwardFiles(ctx, volume.downwardAPI.items, volume.downwardAPI.defaultMode ?? DEFAULT_FILE_MODE, files);
  } else if (volume.projected) {
    const mode = volume.projected.defaultMode ?? DEFAULT_FILE_MODE;
    for (const source of volume.projected.sources ?? []) {
      if (source.configMap) configMapFiles(ctx, source.configMap, mode, files);
      else if (source.secret) secretFiles(ctx, source.secret, mode, files);
      else if (source.downwardAPI) downwardFiles(ctx, source.downwardAPI.items, mode, files);
      else if (source.serviceAccountToken) await tokenFile(ctx, source.serviceAccountToken, mode, existing, files);
      // clusterTrustBundle and podCertificate (beta upstream) are left out rather than failing the pod.
    }
  } else {
    return undefined;
  }
  return files;
}
