import type { DescMessage } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { INLINE_FIELDS, type JsonObject, SPECIAL_TYPES, type SpecialType } from "./k8s-types.ts";
import { schemaFor, supportedKinds } from "./kinds.ts";

function special(name: string): SpecialType {
  const convert = SPECIAL_TYPES.get(name);
  if (convert === undefined) throw new Error(`no special type ${name}`);
  return convert;
}

const time = special("k8s.io.apimachinery.pkg.apis.meta.v1.Time");
const microTime = special("k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime");
const intOrString = special("k8s.io.apimachinery.pkg.util.intstr.IntOrString");
const quantity = special("k8s.io.apimachinery.pkg.api.resource.Quantity");
const fieldsV1 = special("k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1");

describe("special types", () => {
  it("Time: an empty body or Go's zero time is omitted; a present epoch is not; nanos are dropped", () => {
    expect(time({}, true)).toBeUndefined();
    expect(time({ seconds: -62135596800 }, false)).toBeUndefined();
    expect(time({}, false)).toBe("1970-01-01T00:00:00Z");
    expect(time({ seconds: 1767323045, nanos: 999999999 }, false)).toBe("2026-01-02T03:04:05Z");
    expect(time({ seconds: 253402300799 }, false)).toBe("9999-12-31T23:59:59Z");
    expect(() => time({ seconds: 253402300800 }, false)).toThrow("out of range");
  });

  it("MicroTime: nanos truncated toward zero, then normalised like time.Unix", () => {
    expect(microTime({}, true)).toBeUndefined();
    expect(microTime({ seconds: 1767323045, nanos: 123456789 }, false)).toBe("2026-01-02T03:04:05.123456Z");
    expect(microTime({ seconds: 10, nanos: -1500 }, false)).toBe("1970-01-01T00:00:09.999999Z");
    expect(microTime({ seconds: 10, nanos: 2_000_000_999 }, false)).toBe("1970-01-01T00:00:12.000000Z");
  });

  it("IntOrString, Quantity and FieldsV1 zero values", () => {
    expect(intOrString({}, true)).toBe(0);
    expect(intOrString({ type: 1 }, false)).toBe("");
    expect(() => intOrString({ type: 2 }, false)).toThrow("invalid IntOrString type 2");
    expect(quantity({}, true)).toBe("0");
    expect(quantity({ string: "1.5Gi" }, false)).toBe("1.5Gi");
    expect(fieldsV1({}, true)).toBeUndefined();
    expect(fieldsV1({ raw: '{"f:a":{}}' } as JsonObject, false)).toEqual({ "f:a": {} });
  });
});

/** Every message reachable from the kinds we decode. */
function reachable(): Map<string, DescMessage> {
  const seen = new Map<string, DescMessage>();
  const visit = (desc: DescMessage): void => {
    if (seen.has(desc.typeName)) return;
    seen.set(desc.typeName, desc);
    for (const field of desc.fields) if (field.message !== undefined) visit(field.message);
  };
  for (const key of supportedKinds()) {
    const slash = key.lastIndexOf("/");
    const desc = schemaFor(key.slice(0, slash), key.slice(slash + 1));
    if (desc !== undefined) visit(desc);
  }
  const deleteOptions = schemaFor("v1", "DeleteOptions");
  if (deleteOptions !== undefined) visit(deleteOptions);
  return seen;
}

describe("schemas", () => {
  it("every inline field and special type names a real message", () => {
    const messages = reachable();
    for (const entry of INLINE_FIELDS) {
      const dot = entry.lastIndexOf(".");
      const desc = messages.get(entry.slice(0, dot));
      expect(
        desc?.fields.some((f) => f.name === entry.slice(dot + 1) && f.message !== undefined),
        entry,
      ).toBe(true);
    }
    for (const name of SPECIAL_TYPES.keys()) expect(messages.has(name), name).toBe(true);
  });

  it("has no recursive message types, so decoding depth is bounded by the schema", () => {
    const depths = new Map<string, number>();
    const depth = (desc: DescMessage, path: string[]): number => {
      if (path.includes(desc.typeName)) throw new Error(`recursive: ${[...path, desc.typeName].join(" > ")}`);
      const known = depths.get(desc.typeName);
      if (known !== undefined) return known;
      let deepest = 0;
      for (const field of desc.fields) {
        if (field.message !== undefined) deepest = Math.max(deepest, depth(field.message, [...path, desc.typeName]));
      }
      depths.set(desc.typeName, deepest + 1);
      return deepest + 1;
    };
    for (const desc of reachable().values()) expect(depth(desc, [])).toBeLessThan(32);
  });
});
