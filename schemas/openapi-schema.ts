// OpenAPI v3 schemas of the served kinds, derived from their zod schemas, for `kubectl explain`
// and any client that reads /openapi/v3. Each Go struct becomes a named component (its name is
// what explain shows as a field's type, e.g. `<PodSpec>`), referenced the way upstream's documents
// reference one (`allOf: [{$ref}]`); a kind's own component carries
// `x-kubernetes-group-version-kind`, by which clients find it. Field descriptions are not
// published (upstream's are its own text): explain shows the fields and their types.

import { z } from "zod";
import { goStructName, goTypeOf, unwrap } from "./kit.ts";

export type OpenApiSchema = { [key: string]: unknown };

export interface KindSchema {
  group: string;
  version: string;
  kind: string;
  schema: z.ZodType;
}

const REF_PREFIX = "#/components/schemas/";

/** Leaves that have a named type upstream too (shown as `<Quantity>`, `<IntOrString>`, `<Time>`). */
const NAMED_LEAVES: Record<string, { name: string; schema: OpenApiSchema }> = {
  "resource.Quantity": {
    name: "io.k8s.apimachinery.pkg.api.resource.Quantity",
    schema: { type: "string", "x-kubernetes-int-or-string": true },
  },
  "intstr.IntOrString": {
    name: "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    schema: { type: "string", format: "int-or-string", "x-kubernetes-int-or-string": true },
  },
  "v1.Time": { name: "io.k8s.apimachinery.pkg.apis.meta.v1.Time", schema: { type: "string", format: "date-time" } },
  "v1.MicroTime": {
    name: "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
    schema: { type: "string", format: "date-time" },
  },
};

const SCALARS: Record<string, OpenApiSchema> = {
  string: { type: "string" },
  int32: { type: "integer", format: "int32" },
  int64: { type: "integer", format: "int64" },
  bool: { type: "boolean" },
  float64: { type: "number", format: "double" },
  "[]uint8": { type: "string", format: "byte" },
  "map[string]interface {}": { type: "object", "x-kubernetes-preserve-unknown-fields": true },
};

const ref = (name: string): OpenApiSchema => ({ allOf: [{ $ref: `${REF_PREFIX}${name}` }] });

/**
 * The components of one group version's document: the kinds given, and every struct and named leaf
 * they reach. Throws when two different structs of one document share a Go name (the components
 * would collide).
 */
export function componentSchemas(kinds: readonly KindSchema[]): Record<string, OpenApiSchema> {
  const components: Record<string, OpenApiSchema> = {};
  const owners = new Map<string, z.ZodType>();

  const convert = (schema: z.ZodType): OpenApiSchema => {
    const s = unwrap(schema);
    const struct = goStructName(s);
    if (struct !== undefined && s instanceof z.ZodObject) {
      addStruct(struct, s);
      return ref(struct);
    }
    if (s instanceof z.ZodArray) return { type: "array", items: convert(s.element as z.ZodType) };
    if (s instanceof z.ZodRecord) return { type: "object", additionalProperties: convert(s.valueType as z.ZodType) };
    const goType = goTypeOf(s);
    const named = NAMED_LEAVES[goType];
    if (named) {
      components[named.name] ??= named.schema;
      return ref(named.name);
    }
    // Anything else decodes whatever JSON it is given.
    return { ...(SCALARS[goType] ?? { "x-kubernetes-preserve-unknown-fields": true }) };
  };

  const addStruct = (name: string, s: z.ZodObject): void => {
    const owner = owners.get(name);
    if (owner === s) return;
    if (owner !== undefined) throw new Error(`two structs named ${name} in one OpenAPI document`);
    owners.set(name, s);
    const properties: Record<string, OpenApiSchema> = {};
    // Set before the fields are converted, so a struct that reaches itself refers to its component.
    components[name] = { type: "object", properties };
    for (const [field, fieldSchema] of Object.entries(s.shape as Record<string, z.ZodType>)) {
      properties[field] = convert(fieldSchema);
    }
  };

  for (const k of kinds) {
    const s = unwrap(k.schema);
    const name = goStructName(s);
    if (name === undefined || !(s instanceof z.ZodObject)) throw new Error(`${k.kind}'s schema is not a struct`);
    addStruct(name, s);
    components[name] = {
      ...components[name],
      "x-kubernetes-group-version-kind": [{ group: k.group, kind: k.kind, version: k.version }],
    };
  }
  return components;
}
