// Reads protobuf wire bytes straight into Kubernetes JSON, guided by the generated descriptors.
// We walk the wire ourselves rather than calling fromBinary because we need what it does not give:
// wire types checked against the schema (Go rejects a mismatch), exactly which fields were on the
// wire, and Go's merge rules for repeated occurrences. Every failure is a plain Error; the caller
// turns it into a 400.

import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { BinaryReader, base64Encode, WireType } from "@bufbuild/protobuf/wire";
import { INLINE_FIELDS, type Json, type JsonObject, SPECIAL_TYPES } from "./k8s-types.ts";

/** FeatureSet.FieldPresence.IMPLICIT: a proto3 scalar without `optional`, i.e. Go `omitempty`. */
const IMPLICIT_PRESENCE = 2;

const fieldIndexes = new WeakMap<DescMessage, Map<number, DescField>>();

function fieldsByNumber(desc: DescMessage): Map<number, DescField> {
  let index = fieldIndexes.get(desc);
  if (index === undefined) {
    index = new Map(desc.fields.map((f) => [f.number, f]));
    fieldIndexes.set(desc, index);
  }
  return index;
}

/** Decodes one message body into `into` (a fresh object by default); repeated calls merge, as in Go. */
export function messageToJson(desc: DescMessage, bytes: Uint8Array, into: JsonObject = {}): JsonObject {
  const reader = new BinaryReader(bytes);
  const fields = fieldsByNumber(desc);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    const field = fields.get(number);
    if (field === undefined) reader.skip(wireType, number);
    else readField(field, wireType, reader, into);
  }
  return into;
}

function readField(field: DescField, wireType: WireType, reader: BinaryReader, into: JsonObject): void {
  switch (field.fieldKind) {
    case "scalar":
      expectWireType(field, wireType, scalarWireType(field.scalar));
      setScalar(into, field, readScalar(reader, field.scalar));
      return;
    case "enum":
      // Kubernetes has no protobuf enums; read one as its number rather than fail.
      expectWireType(field, wireType, WireType.Varint);
      setScalar(into, field, reader.int32());
      return;
    case "message": {
      expectWireType(field, wireType, WireType.LengthDelimited);
      const body = reader.bytes();
      if (INLINE_FIELDS.has(`${field.parent.typeName}.${field.name}`)) {
        messageToJson(field.message, body, into);
        return;
      }
      const existing = into[field.name];
      const value = messageValue(field.message, body, isObject(existing) ? existing : undefined);
      if (value === undefined) delete into[field.name];
      else into[field.name] = value;
      return;
    }
    case "list":
      appendList(into, field.name, readListItems(field, wireType, reader));
      return;
    case "map":
      expectWireType(field, wireType, WireType.LengthDelimited);
      readMapEntry(field, reader.bytes(), into);
      return;
  }
}

/** A nested message's JSON: a special type's own form, or an object (merged into `existing`). */
function messageValue(desc: DescMessage, body: Uint8Array, existing?: JsonObject): Json | undefined {
  const special = SPECIAL_TYPES.get(desc.typeName);
  if (special !== undefined) return special(messageToJson(desc, body), body.length === 0);
  return messageToJson(desc, body, existing ?? {});
}

type ListField = Extract<DescField, { fieldKind: "list" }>;
type MapField = Extract<DescField, { fieldKind: "map" }>;

function readListItems(field: ListField, wireType: WireType, reader: BinaryReader): Json[] {
  if (field.listKind === "message") {
    expectWireType(field, wireType, WireType.LengthDelimited);
    return [messageValue(field.message, reader.bytes()) ?? null];
  }
  const scalar = field.listKind === "enum" ? ScalarType.INT32 : field.scalar;
  const expected = scalarWireType(scalar);
  if (wireType !== WireType.LengthDelimited || expected === WireType.LengthDelimited) {
    expectWireType(field, wireType, expected);
    return [readScalar(reader, scalar)];
  }
  // Packed: numbers back to back inside one length-delimited record.
  const end = reader.uint32() + reader.pos;
  if (end > reader.len) throw new Error("premature EOF");
  const items: Json[] = [];
  while (reader.pos < end) items.push(readScalar(reader, scalar));
  if (reader.pos !== end) throw new Error(`packed field ${fieldName(field)} overruns its length`);
  return items;
}

/** Entries are {1: key, 2: value}; a missing part is its zero value, as in Go. */
function readMapEntry(field: MapField, body: Uint8Array, into: JsonObject): void {
  const reader = new BinaryReader(body);
  // Enum values (none in Kubernetes) are int32 on the wire.
  const valueScalar = field.scalar ?? ScalarType.INT32;
  let key: Json = scalarZero(field.mapKey);
  let value: Json | undefined;
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number === 1) {
      expectWireType(field, wireType, scalarWireType(field.mapKey));
      key = readScalar(reader, field.mapKey);
    } else if (number === 2 && field.mapKind === "message") {
      expectWireType(field, wireType, WireType.LengthDelimited);
      value = messageValue(field.message, reader.bytes()) ?? null;
    } else if (number === 2) {
      expectWireType(field, wireType, scalarWireType(valueScalar));
      value = readScalar(reader, valueScalar);
    } else {
      reader.skip(wireType, number);
    }
  }
  if (value === undefined) {
    if (field.mapKind === "message") value = messageValue(field.message, new Uint8Array(0)) ?? null;
    else value = scalarZero(valueScalar);
  }
  const existing = into[field.name];
  const map = isObject(existing) ? existing : {};
  setOwn(map, String(key), value);
  into[field.name] = map;
}

function appendList(into: JsonObject, name: string, items: Json[]): void {
  // An empty packed record leaves a Go slice nil, so it must not create the field.
  if (items.length === 0) return;
  const existing = into[name];
  if (Array.isArray(existing)) existing.push(...items);
  else into[name] = items;
}

/** Go omits a zero `omitempty` value and keeps any present pointer or non-omitempty field. */
function setScalar(into: JsonObject, field: DescField, value: Json): void {
  if (field.presence === IMPLICIT_PRESENCE && (value === "" || value === 0 || value === false)) {
    delete into[field.name];
  } else {
    into[field.name] = value;
  }
}

/** Map keys come from the client; "__proto__" must stay a key, not become a prototype. */
function setOwn(target: JsonObject, key: string, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fieldName(field: DescField): string {
  return `${field.parent.name}.${field.name}`;
}

function expectWireType(field: DescField, actual: WireType, expected: WireType): void {
  if (actual !== expected) {
    throw new Error(`wrong wire type ${actual} for field ${fieldName(field)} (expected ${expected})`);
  }
}

function scalarWireType(type: ScalarType): WireType {
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

function scalarZero(type: ScalarType): Json {
  if (type === ScalarType.STRING || type === ScalarType.BYTES) return "";
  return type === ScalarType.BOOL ? false : 0;
}

/** Kubernetes JSON writes 64-bit integers as numbers and bytes as standard base64. */
function readScalar(reader: BinaryReader, type: ScalarType): Json {
  switch (type) {
    case ScalarType.STRING:
      // Not strict: Go does not validate UTF-8 here, and its JSON encoder writes U+FFFD too.
      return reader.string();
    case ScalarType.BYTES:
      return base64Encode(reader.bytes());
    case ScalarType.BOOL:
      return reader.bool();
    case ScalarType.INT32:
      return reader.int32();
    case ScalarType.UINT32:
      return reader.uint32();
    case ScalarType.SINT32:
      return reader.sint32();
    case ScalarType.INT64:
      return Number(reader.int64());
    case ScalarType.UINT64:
      return Number(reader.uint64());
    case ScalarType.SINT64:
      return Number(reader.sint64());
    case ScalarType.FIXED32:
      return reader.fixed32();
    case ScalarType.SFIXED32:
      return reader.sfixed32();
    case ScalarType.FIXED64:
      return Number(reader.fixed64());
    case ScalarType.SFIXED64:
      return Number(reader.sfixed64());
    case ScalarType.FLOAT:
      return finite(reader.float());
    case ScalarType.DOUBLE:
      return finite(reader.double());
  }
}

function finite(value: number): number {
  if (!Number.isFinite(value)) throw new Error(`${value} cannot be written as JSON`);
  return value;
}
