// Building blocks for the per-kind zod schemas. Every struct is a strict object whose fields are all
// optional, because Go's JSON decoder never requires a field: a missing field is a zero value that
// validation (a 422 naming the field) may refuse, while decoding (a 400) only refuses unknown fields
// and wrong types. Each struct remembers its Go type name so a type error can be worded as
// kube-apiserver words it: `json: cannot unmarshal string into Go struct field PodSpec.spec.containers
// of type []v1.Container`.

import { z } from "zod";
import { canonicalQuantity, QUANTITY_FORMAT_ERROR } from "./quantity.ts";

const goTypes = new WeakMap<z.ZodType, string>();
const goStructs = new WeakMap<z.ZodType, string>();

function named<T extends z.ZodType>(schema: T, goType: string): T {
  goTypes.set(schema, goType);
  return schema;
}

/** What a custom leaf attaches to its issue so decode can word it like Go's decoder. */
export interface DecodeIssueParams {
  /** A type mismatch: "json: cannot unmarshal <kind> into Go struct field ... of type <goType>". */
  goType?: string;
  /** An error Go's decoder returns as is (quantities, base64, times). */
  decodeError?: string;
}

export const str = named(z.string(), "string");
export const int32 = named(z.int32(), "int32");
export const int64 = named(z.int(), "int64");
export const bool = named(z.boolean(), "bool");
export const float = named(z.number(), "float64");
export const strList = z.array(str);
export const strMap = z.record(z.string(), str);
/** Free-form JSON (managedFields' fieldsV1, RawExtension): any object. */
export const freeform = named(z.record(z.string(), z.unknown()), "map[string]interface {}");

/** resource.Quantity: a string or a JSON number, stored in canonical form ("0.5" -> "500m"). */
export const quantity = named(
  z.unknown().transform((value, ctx): string => {
    if (typeof value === "string" || typeof value === "number") {
      const result = canonicalQuantity(value);
      if ("value" in result) return result.value;
      ctx.issues.push({ code: "custom", message: result.error, input: value, params: { decodeError: result.error } });
      return z.NEVER;
    }
    ctx.issues.push({
      code: "custom",
      message: QUANTITY_FORMAT_ERROR,
      input: value,
      params: { decodeError: QUANTITY_FORMAT_ERROR },
    });
    return z.NEVER;
  }),
  "resource.Quantity",
);
export const resourceList = z.record(z.string(), quantity);

/** intstr.IntOrString: a JSON string, or an int32. */
export const intOrString = named(
  z.unknown().transform((value, ctx): string | number => {
    if (typeof value === "string") return value;
    if (typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) return value;
    ctx.issues.push({ code: "custom", message: "expected int32 or string", input: value, params: { goType: "int32" } });
    return z.NEVER;
  }),
  "intstr.IntOrString",
);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 time; returns the UTC instant in ms and the fraction digits, or undefined. */
export function parseRFC3339(text: string): { ms: number; fraction: string } | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction = "", , sign, oh, om] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  if (sign) ms -= (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return { ms, fraction };
}

function timeLeaf(fractionDigits: number) {
  const layout = fractionDigits ? "2006-01-02T15:04:05.000000Z07:00" : "2006-01-02T15:04:05Z07:00";
  return z.unknown().transform((value, ctx): string => {
    if (typeof value !== "string") {
      ctx.issues.push({ code: "custom", message: "expected a time", input: value, params: { goType: "string" } });
      return z.NEVER;
    }
    const parsed = parseRFC3339(value);
    if (!parsed) {
      const decodeError = `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(value)} as "2006"`;
      ctx.issues.push({ code: "custom", message: decodeError, input: value, params: { decodeError } });
      return z.NEVER;
    }
    // metav1.Time is written in whole seconds, MicroTime with six digits, both in UTC.
    const seconds = new Date(parsed.ms).toISOString().slice(0, 19);
    if (!fractionDigits) return `${seconds}Z`;
    return `${seconds}.${parsed.fraction.padEnd(fractionDigits, "0").slice(0, fractionDigits)}Z`;
  });
}

/** metav1.Time: RFC 3339, stored in whole seconds, UTC. */
export const time = named(timeLeaf(0), "v1.Time");
/** metav1.MicroTime: RFC 3339 with microseconds, UTC. */
export const microTime = named(timeLeaf(6), "v1.MicroTime");

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** []byte: standard base64 with padding, as Go's encoding/json reads it. */
export const bytes = named(
  z.string().check((ctx) => {
    if (BASE64.test(ctx.value)) return;
    const decodeError = `illegal base64 data at input byte ${firstBadBase64Byte(ctx.value)}`;
    ctx.issues.push({ code: "custom", message: decodeError, input: ctx.value, params: { decodeError } });
  }),
  "[]uint8",
);
export const bytesMap = z.record(z.string(), bytes);

function firstBadBase64Byte(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === "=") return text.length % 4 === 0 ? i : Math.max(0, text.length - (text.length % 4));
    if (!/[A-Za-z0-9+/]/.test(c)) return i;
  }
  return Math.max(0, text.length - (text.length % 4));
}

export type Shape = Record<string, z.ZodType>;
/** Fields with a default (Go fields whose zero value the TypeScript types rely on) stay as they are. */
type Optionalized<S extends Shape> = {
  [K in keyof S]: S[K] extends z.ZodDefault<z.ZodType> | z.ZodPrefault<z.ZodType> ? S[K] : z.ZodOptional<S[K]>;
};

function optionalize<S extends Shape>(shape: S): Optionalized<S> {
  const out: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(shape)) {
    out[key] = schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault ? schema : schema.optional();
  }
  return out as Optionalized<S>;
}

/** A Go struct: unknown fields are reported (strict), every field is optional. */
export function struct<S extends Shape>(goName: string, shape: S): z.ZodObject<Optionalized<S>, z.core.$strict> {
  const schema = z.strictObject(optionalize(shape));
  goStructs.set(schema, goName);
  return schema;
}

/**
 * A struct whose fields below this level are not checked (rarely used deep structures); its own
 * fields are still listed so that a misspelt sibling is caught one level up.
 */
export function looseStruct<S extends Shape>(goName: string, shape: S): z.ZodObject<Optionalized<S>, z.core.$loose> {
  const schema = z.looseObject(optionalize(shape));
  goStructs.set(schema, goName);
  return schema;
}

/** The schema under optional, nullable, default and prefault wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
    else return s;
  }
}

/** Go's name for the type a schema decodes into ("[]v1.Container", "map[string]string", "int32"). */
export function goTypeOf(schema: z.ZodType): string {
  const s = unwrap(schema);
  const known = goTypes.get(s);
  if (known) return known;
  const struct = goStructs.get(s);
  if (struct) return `v1.${struct}`;
  if (s instanceof z.ZodArray) return `[]${goTypeOf(s.element as z.ZodType)}`;
  if (s instanceof z.ZodRecord) return `map[string]${goTypeOf(s.valueType as z.ZodType)}`;
  return "interface {}";
}

export interface FieldDescription {
  /** The innermost struct holding the field ("Container"); undefined at the top level. */
  struct: string | undefined;
  /** The JSON path without list indexes or map keys, as Go reports it ("spec.containers.image"). */
  goPath: string;
  /** Go's name for the type expected at the path itself. */
  goType: string;
}

/** Follows a zod issue path through a schema to name the Go struct, field path and type there. */
export function describeField(root: z.ZodType, path: readonly PropertyKey[]): FieldDescription {
  let current = unwrap(root);
  let struct = goStructs.get(current);
  const segments: string[] = [];
  for (const key of path) {
    if (current instanceof z.ZodObject && typeof key === "string") {
      struct = goStructs.get(current) ?? struct;
      segments.push(key);
      const next = (current.shape as Shape)[key];
      if (!next) break;
      current = unwrap(next);
    } else if (current instanceof z.ZodArray) {
      current = unwrap(current.element as z.ZodType);
    } else if (current instanceof z.ZodRecord) {
      current = unwrap(current.valueType as z.ZodType);
    } else {
      break;
    }
  }
  return { struct, goPath: segments.join("."), goType: goTypeOf(current) };
}

/** The Go struct name a schema was built with. */
export function goStructName(schema: z.ZodType): string | undefined {
  return goStructs.get(unwrap(schema));
}
