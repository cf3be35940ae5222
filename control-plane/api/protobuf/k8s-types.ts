// Where Kubernetes JSON differs from a field-by-field reading of the protobuf message: a few
// apimachinery types have a JSON form of their own, and embedded Go structs are flattened.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * Converts a special type's decoded fields to its JSON value; undefined means Go's zero value that
 * Kubernetes writes as null, which we omit (decoding either gives the same Go object).
 * `empty` says the message body had no bytes at all, which Time and MicroTime treat as zero.
 */
export type SpecialType = (fields: JsonObject, empty: boolean) => Json | undefined;

/** Go's zero time.Time (0001-01-01T00:00:00Z): marshalled as null, like an empty body. */
const GO_ZERO_TIME_SECONDS = -62135596800;
/** RFC 3339 as Go writes it only spans years 0000 to 9999; anything else is not a real timestamp. */
const MIN_SECONDS = -62167219200;
const MAX_SECONDS = 253402300799;

function num(value: Json | undefined): number {
  return typeof value === "number" ? value : 0;
}

function secondsToIso(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new Error(`timestamp of ${seconds} seconds is out of range`);
  }
  // toISOString always writes milliseconds; Kubernetes writes whole seconds.
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

/** metav1.Time: Go drops nanos when it unmarshals, and JSON has second precision. */
function time(fields: JsonObject, empty: boolean): string | undefined {
  const seconds = num(fields.seconds);
  if (empty || seconds === GO_ZERO_TIME_SECONDS) return undefined;
  return secondsToIso(seconds);
}

/** metav1.MicroTime: nanos truncated toward zero to microseconds, then normalised as time.Unix does. */
function microTime(fields: JsonObject, empty: boolean): string | undefined {
  if (empty) return undefined;
  const micros = Math.trunc(num(fields.nanos) / 1000);
  const seconds = num(fields.seconds) + Math.floor(micros / 1_000_000);
  const fraction = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
  if (seconds === GO_ZERO_TIME_SECONDS && fraction === 0) return undefined;
  return `${secondsToIso(seconds).slice(0, 19)}.${String(fraction).padStart(6, "0")}Z`;
}

/** intstr.IntOrString: type 0 is the integer, type 1 the string; Go refuses any other type. */
function intOrString(fields: JsonObject): number | string {
  const type = num(fields.type);
  if (type === 0) return num(fields.intVal);
  if (type === 1) return typeof fields.strVal === "string" ? fields.strVal : "";
  throw new Error(`invalid IntOrString type ${type}`);
}

/**
 * resource.Quantity keeps the client's spelling: kube-apiserver would canonicalise it ("1000m"
 * becomes "1"), but JSON bodies reach our store uncanonicalised too, so both paths agree.
 */
function quantity(fields: JsonObject): string {
  return typeof fields.string === "string" && fields.string !== "" ? fields.string : "0";
}

/** metav1.FieldsV1 carries the managed-fields JSON document as its raw bytes. */
function fieldsV1(fields: JsonObject): Json | undefined {
  const raw = fields.raw;
  if (typeof raw !== "string" || raw === "") return undefined;
  try {
    return JSON.parse(raw) as Json;
  } catch {
    throw new Error("fieldsV1 does not hold a JSON document");
  }
}

const META = "k8s.io.apimachinery.pkg.apis.meta.v1";

/** Keyed by protobuf type name. */
export const SPECIAL_TYPES: ReadonlyMap<string, SpecialType> = new Map<string, SpecialType>([
  [`${META}.Time`, time],
  [`${META}.MicroTime`, microTime],
  [`${META}.FieldsV1`, fieldsV1],
  ["k8s.io.apimachinery.pkg.util.intstr.IntOrString", intOrString],
  ["k8s.io.apimachinery.pkg.api.resource.Quantity", quantity],
]);

const CORE = "k8s.io.api.core.v1";

/**
 * Fields whose Go struct is embedded with `json:",inline"`: their members belong to the parent
 * object in JSON (a Probe's `httpGet`, a Volume's `configMap`, a key selector's `name`).
 * Keyed by "<message type name>.<field name>".
 */
export const INLINE_FIELDS: ReadonlySet<string> = new Set([
  `${CORE}.Probe.handler`,
  `${CORE}.Volume.volumeSource`,
  `${CORE}.EphemeralContainer.ephemeralContainerCommon`,
  `${CORE}.ConfigMapKeySelector.localObjectReference`,
  `${CORE}.SecretKeySelector.localObjectReference`,
  `${CORE}.ConfigMapEnvSource.localObjectReference`,
  `${CORE}.SecretEnvSource.localObjectReference`,
  `${CORE}.ConfigMapVolumeSource.localObjectReference`,
  `${CORE}.ConfigMapProjection.localObjectReference`,
  `${CORE}.SecretProjection.localObjectReference`,
  "k8s.io.api.networking.v1.IngressRule.ingressRuleValue",
]);
