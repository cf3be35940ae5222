// ConfigMap and Secret strategies: key and size checks, Secret types and their required keys,
// stringData folded into data, and the `immutable: true` rules.

import { type ConfigMap, configMapSchema, type Secret, secretSchema } from "../../../schemas/core/config.ts";
import { byteLength, isConfigMapKey } from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { base64OfText, decodedLength, textOfBase64 } from "./base64.ts";
import { deepEqual, forbidden, immutable, invalid, invalidEach, key, required, tooLong } from "./field.ts";

/** A ConfigMap's or Secret's data may hold 1 MiB. */
export const MAX_SECRET_SIZE = 1024 * 1024;
const IMMUTABLE_SET = "field is immutable when `immutable` is set";

export function validateConfigMap(cm: ConfigMap): StatusCause[] {
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    causes.push(...invalidEach(key("data", k), k, isConfigMapKey(k)));
    if (cm.binaryData && k in cm.binaryData) {
      causes.push(invalid(key("data", k), k, "duplicate of key present in binaryData"));
    }
    size += byteLength(v);
  }
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    causes.push(...invalidEach(key("binaryData", k), k, isConfigMapKey(k)));
    size += decodedLength(v);
  }
  if (size > MAX_SECRET_SIZE) causes.push(tooLong("", MAX_SECRET_SIZE));
  return causes;
}

/** Once `immutable: true` is stored, the data may not change and the flag may not be cleared. */
function validateImmutableData(
  next: { immutable?: boolean | undefined },
  old: { immutable?: boolean | undefined },
  fields: [string, unknown, unknown][],
): StatusCause[] {
  if (!old.immutable) return [];
  const causes: StatusCause[] = [];
  if (!next.immutable) causes.push(forbidden("immutable", IMMUTABLE_SET));
  for (const [name, a, b] of fields) if (!deepEqual(a, b)) causes.push(forbidden(name, IMMUTABLE_SET));
  return causes;
}

export const configMapStrategy = defineStrategy<ConfigMap>({
  resource: resourceOf("v1", "ConfigMap"),
  schema: configMapSchema,
  hasStatus: false,
  tracksGeneration: false,
  validate: validateConfigMap,
  validateUpdate: (cm, old) =>
    validateImmutableData(cm, old, [
      ["data", cm.data, old.data],
      ["binaryData", cm.binaryData, old.binaryData],
    ]),
});

/** Secret type Opaque by default; stringData is written into data (base64) and not stored. */
export function applySecretDefaults(secret: Secret): void {
  secret.type ||= "Opaque";
  if (secret.stringData) {
    secret.data ??= {};
    const data = secret.data;
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = base64OfText(v);
    delete secret.stringData;
  }
}

function requireKeys(secret: Secret, keys: string[]): StatusCause[] {
  return keys.filter((k) => !(k in (secret.data ?? {}))).map((k) => required(key("data", k)));
}

function validateJSONKey(secret: Secret, name: string): StatusCause[] {
  const value = secret.data?.[name];
  if (value === undefined) return [required(key("data", name))];
  try {
    JSON.parse(textOfBase64(value));
    return [];
  } catch (err) {
    return [invalid(key("data", name), "<secret contents redacted>", err instanceof Error ? err.message : String(err))];
  }
}

export function validateSecret(secret: Secret): StatusCause[] {
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(secret.data ?? {})) {
    causes.push(...invalidEach(key("data", k), k, isConfigMapKey(k)));
    size += decodedLength(v);
  }
  if (size > MAX_SECRET_SIZE) causes.push(tooLong("data", MAX_SECRET_SIZE));
  const data = secret.data ?? {};
  switch (secret.type) {
    case "kubernetes.io/service-account-token":
      if (!secret.metadata.annotations?.["kubernetes.io/service-account.name"]) {
        causes.push(required("metadata.annotations[kubernetes.io/service-account.name]"));
      }
      break;
    case "kubernetes.io/dockercfg":
      causes.push(...validateJSONKey(secret, ".dockercfg"));
      break;
    case "kubernetes.io/dockerconfigjson":
      causes.push(...validateJSONKey(secret, ".dockerconfigjson"));
      break;
    case "kubernetes.io/basic-auth":
      // Upstream's paths really read "data[%s][username]" (an unformatted template).
      if (!("username" in data) && !("password" in data)) {
        causes.push(required("data[%s][username]"), required("data[%s][password]"));
      }
      break;
    case "kubernetes.io/ssh-auth":
      if (!data["ssh-privatekey"]) causes.push(required("data[%s][ssh-privatekey]"));
      break;
    case "kubernetes.io/tls":
      causes.push(...requireKeys(secret, ["tls.crt", "tls.key"]));
      break;
    default:
  }
  return causes;
}

export const secretStrategy = defineStrategy<Secret>({
  resource: resourceOf("v1", "Secret"),
  schema: secretSchema,
  hasStatus: false,
  tracksGeneration: false,
  applyDefaults: applySecretDefaults,
  validate: validateSecret,
  validateUpdate: (secret, old) => [
    ...immutable("type", secret.type || old.type, old.type),
    ...validateImmutableData(secret, old, [["data", secret.data, old.data]]),
  ],
});
