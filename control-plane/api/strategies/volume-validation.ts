// Pod volume validation: names, exactly one source, and the checks on the sources a small cluster
// uses (configMap, secret, hostPath, emptyDir, PVC, projected, downwardAPI). The rarer sources are
// checked for shape by the schema only.

import type { KeyToPath } from "../../../schemas/core/common.ts";
import type { Volume } from "../../../schemas/core/volume.ts";
import { isConfigMapKey, isDNS1123Label } from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { child, duplicate, forbidden, index, invalid, invalidEach, notSupported, required } from "./field.ts";
import { VOLUME_SOURCES } from "./pod-defaults.ts";

const HOST_PATH_TYPES = [
  "",
  "DirectoryOrCreate",
  "Directory",
  "FileOrCreate",
  "File",
  "Socket",
  "CharDevice",
  "BlockDevice",
];
const MAX_MODE = 0o777;
const MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive";

function validateMode(mode: number | undefined, path: string): StatusCause[] {
  return mode !== undefined && (mode < 0 || mode > MAX_MODE) ? [invalid(path, mode, MODE_ERROR)] : [];
}

function validateLocalPath(value: string, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (value.startsWith("/")) causes.push(invalid(path, value, "must be a relative path"));
  if (value.split("/").includes("..")) causes.push(invalid(path, value, "must not contain '..'"));
  return causes;
}

function validateItems(items: KeyToPath[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (items ?? []).forEach((item, i) => {
    const p = index(path, i);
    if (!item.key) causes.push(required(child(p, "key")));
    else causes.push(...invalidEach(child(p, "key"), item.key, isConfigMapKey(item.key)));
    if (!item.path) causes.push(required(child(p, "path")));
    else causes.push(...validateLocalPath(item.path, child(p, "path")));
    causes.push(...validateMode(item.mode, child(p, "mode")));
  });
  return causes;
}

function validateSource(v: Volume, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (v.configMap) {
    const p = child(path, "configMap");
    if (!v.configMap.name) causes.push(required(child(p, "name")));
    causes.push(...validateMode(v.configMap.defaultMode, child(p, "defaultMode")));
    causes.push(...validateItems(v.configMap.items, child(p, "items")));
  }
  if (v.secret) {
    const p = child(path, "secret");
    if (!v.secret.secretName) causes.push(required(child(p, "secretName")));
    causes.push(...validateMode(v.secret.defaultMode, child(p, "defaultMode")));
    causes.push(...validateItems(v.secret.items, child(p, "items")));
  }
  if (v.hostPath) {
    const p = child(path, "hostPath");
    if (!v.hostPath.path) causes.push(required(child(p, "path")));
    const type = v.hostPath.type ?? "";
    if (!HOST_PATH_TYPES.includes(type)) causes.push(notSupported(child(p, "type"), type, HOST_PATH_TYPES));
  }
  if (v.emptyDir?.sizeLimit?.startsWith("-")) {
    causes.push(
      invalid(child(path, "emptyDir", "sizeLimit"), v.emptyDir.sizeLimit, "must be greater than or equal to 0"),
    );
  }
  if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) {
    causes.push(required(child(path, "persistentVolumeClaim", "claimName")));
  }
  if (v.downwardAPI) {
    const p = child(path, "downwardAPI");
    causes.push(...validateMode(v.downwardAPI.defaultMode, child(p, "defaultMode")));
    (v.downwardAPI.items ?? []).forEach((item, i) => {
      const ip = index(child(p, "items"), i);
      if (!item.path) causes.push(required(child(ip, "path")));
      else causes.push(...validateLocalPath(item.path, child(ip, "path")));
      causes.push(...validateMode(item.mode, child(ip, "mode")));
    });
  }
  if (v.projected) {
    const p = child(path, "projected");
    causes.push(...validateMode(v.projected.defaultMode, child(p, "defaultMode")));
    (v.projected.sources ?? []).forEach((source, i) => {
      const sp = index(child(p, "sources"), i);
      const kinds = Object.keys(source).filter((k) => source[k as keyof typeof source] !== undefined);
      if (kinds.length > 1) causes.push(forbidden(sp, "may not specify more than 1 volume type per source"));
      const token = source.serviceAccountToken;
      if (token) {
        const tp = child(sp, "serviceAccountToken");
        if (!token.path) causes.push(required(child(tp, "path")));
        if (token.expirationSeconds !== undefined && token.expirationSeconds < 600) {
          causes.push(
            invalid(
              child(tp, "expirationSeconds"),
              token.expirationSeconds,
              "may not specify a duration less than 10 minutes",
            ),
          );
        }
      }
      if (source.configMap) causes.push(...validateItems(source.configMap.items, child(sp, "configMap", "items")));
      if (source.secret) causes.push(...validateItems(source.secret.items, child(sp, "secret", "items")));
    });
  }
  return causes;
}

/** Validates pod volumes; returns the causes and the set of volume names mounts may refer to. */
export function validateVolumes(
  volumes: Volume[] | undefined,
  path: string,
): { causes: StatusCause[]; names: Set<string> } {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const p = index(path, i);
    const namePath = child(p, "name");
    if (!v.name) causes.push(required(namePath));
    else {
      causes.push(...invalidEach(namePath, v.name, isDNS1123Label(v.name)));
      if (names.has(v.name)) causes.push(duplicate(namePath, v.name));
      else names.add(v.name);
    }
    const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined);
    if (sources.length === 0) causes.push(required(p, "must specify a volume type"));
    for (const extra of sources.slice(1))
      causes.push(forbidden(child(p, extra), "may not specify more than 1 volume type"));
    causes.push(...validateSource(v, p));
  });
  return { causes, names };
}
