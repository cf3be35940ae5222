// The common decode, of a body with no unknown field and no wrong type, walked over the fields the
// body has rather than the ones the schema has. zod compiles an object's parser with `new
// Function`, which Workers forbid (zod does not try there), so on workerd it visits every field of
// every struct of the schema, present or not, with two allocations each: about 120 visits for a
// small Pod, most of them for absent fields, and 6% of workerd's CPU per create in bench:api's
// profile. Here structs, lists and maps are walked over what is there; every other schema
// (strings, numbers, quantities, unions, loose structs, anything with a refinement, an absent field
// with a default) is handed to zod as it is, so each value is still checked and transformed by zod
// itself. Anything this walk does not accept as it stands (an unknown field, a wrong type
// anywhere) gives up, and decode.ts runs zod over the whole body, which words the error or the
// warnings.

import type { z } from "zod";

/** The parts of a zod definition the walk reads. */
interface Def {
  type: string;
  checks?: readonly unknown[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  coerce?: boolean;
}

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;
const hasChecks = (def: Def): boolean => (def.checks?.length ?? 0) > 0;

/** A strict struct the walk can decode itself: its fields by name, and their order in the schema. */
interface Struct {
  fields: Map<string, z.ZodType>;
  order: Map<string, number>;
  /** The fields with a default, which zod fills in when absent (apiVersion, kind, metadata). */
  defaults: string[];
}

const hasDefault = (schema: z.ZodType): boolean => {
  const type = defOf(schema).type;
  return type === "default" || type === "prefault";
};

/** Per schema: its Struct, or null when zod must decode it (loose or refined). */
const structs = new WeakMap<z.ZodType, Struct | null>();

function structOf(schema: z.ZodType, def: Def): Struct | null {
  let struct = structs.get(schema);
  if (struct !== undefined) return struct;
  struct = null;
  const strict = def.catchall !== undefined && defOf(def.catchall).type === "never";
  if (strict && def.shape && !hasChecks(def)) {
    const fields = new Map(Object.entries(def.shape));
    struct = {
      fields,
      order: new Map([...fields.keys()].map((k, i) => [k, i])),
      defaults: [...fields].filter(([, f]) => hasDefault(f)).map(([k]) => k),
    };
  }
  structs.set(schema, struct);
  return struct;
}

const GIVE_UP: unique symbol = Symbol("give up");

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function walk(schema: z.ZodType, value: unknown): unknown {
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "default":
    case "prefault":
      // A value that is there is decoded as the inner schema decodes it.
      if (value !== undefined && def.innerType) return walk(def.innerType, value);
      break;
    case "object": {
      const struct = structOf(schema, def);
      if (!struct) break;
      if (!isPlainObject(value)) return GIVE_UP;
      const keys = Object.keys(value);
      for (const key of struct.defaults) if (!Object.hasOwn(value, key)) keys.push(key);
      // zod writes a struct's fields in the schema's order, whatever the body's.
      if (keys.length > 1) keys.sort((a, b) => (struct.order.get(a) ?? -1) - (struct.order.get(b) ?? -1));
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const field = struct.fields.get(key);
        if (!field) return GIVE_UP;
        // An absent field with a default: zod's own answer for it.
        const v = Object.hasOwn(value, key) ? walk(field, value[key]) : walk(field, undefined);
        if (v === GIVE_UP) return GIVE_UP;
        out[key] = v;
      }
      return out;
    }
    case "string":
      // Plain strings and booleans are the most common leaves: checked here as zod checks them.
      if (!hasChecks(def) && !def.coerce) return typeof value === "string" ? value : GIVE_UP;
      break;
    case "boolean":
      if (!hasChecks(def) && !def.coerce) return typeof value === "boolean" ? value : GIVE_UP;
      break;
    case "array": {
      if (hasChecks(def) || !def.element) break;
      if (!Array.isArray(value)) return GIVE_UP;
      const out: unknown[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        const v = walk(def.element, value[i]);
        if (v === GIVE_UP) return GIVE_UP;
        out[i] = v;
      }
      return out;
    }
    case "record": {
      const keyDef = def.keyType && defOf(def.keyType);
      if (hasChecks(def) || !def.valueType || keyDef?.type !== "string" || hasChecks(keyDef)) break;
      if (!isPlainObject(value)) return GIVE_UP;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (key === "__proto__") return GIVE_UP;
        const v = walk(def.valueType, value[key]);
        if (v === GIVE_UP) return GIVE_UP;
        out[key] = v;
      }
      return out;
    }
  }
  const result = schema.safeParse(value);
  return result.success ? result.data : GIVE_UP;
}

/**
 * What zod would decode `body` into when it accepts it as it stands, or undefined when zod must
 * run over the whole body (it has an unknown field, or a value zod refuses).
 */
export function fastDecode<S extends z.ZodType>(schema: S, body: unknown): { value: z.output<S> } | undefined {
  const value = walk(schema, body);
  return value === GIVE_UP ? undefined : { value: value as z.output<S> };
}
