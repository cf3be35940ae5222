// Turns a Kubernetes protobuf request body ("k8s\0" + runtime.Unknown) into the Kubernetes JSON
// object kube-apiserver would serialise for it. Anything malformed is a 400, never another error.

import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { ApiError, badRequest } from "../errors.ts";
import { TypeMetaSchema } from "./gen/apimachinery/runtime/unknown_pb.ts";
import type { JsonObject } from "./k8s-types.ts";
import { schemaFor } from "./kinds.ts";
import { messageToJson } from "./wire-to-json.ts";

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

/** "k8s\0": what every Kubernetes protobuf body starts with. */
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

export function decodeProtobufObject(body: Uint8Array): DecodedObject {
  if (body.length === 0) throw invalidBody("empty body");
  if (body.length < MAGIC.length || MAGIC.some((byte, i) => body[i] !== byte)) {
    throw invalidBody(`provided data does not appear to be a protobuf message, expected prefix [${MAGIC.join(" ")}]`);
  }
  if (body.length === MAGIC.length) throw invalidBody("empty body");
  return guarded(() => {
    const envelope = readEnvelope(body.subarray(MAGIC.length));
    const { apiVersion, kind } = envelope;
    if (kind === "") throw invalidBody("Object 'Kind' is missing in the envelope");
    if (apiVersion === "") throw invalidBody(`Object 'apiVersion' is missing in the envelope of kind "${kind}"`);
    const schema = schemaFor(apiVersion, kind);
    if (schema === undefined) throw badRequest(`protobuf body of kind "${kind}" (${apiVersion}) is not supported`);
    const object: JsonObject = { apiVersion, kind };
    messageToJson(schema, envelope.raw, object);
    // The body has no TypeMeta fields of its own; the envelope's win, as in kube-apiserver.
    object.apiVersion = apiVersion;
    object.kind = kind;
    return { apiVersion, kind, object };
  });
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

/**
 * runtime.Unknown {1 typeMeta, 2 raw, 3 contentEncoding, 4 contentType}. The raw bytes are kept as
 * they are, so they are read here rather than through the JSON walker. kube-apiserver ignores
 * fields 3 and 4 (clients leave them empty), and so do we.
 */
function readEnvelope(bytes: Uint8Array): Envelope {
  const reader = new BinaryReader(bytes);
  const typeMeta: JsonObject = {};
  let raw: Uint8Array = new Uint8Array(0);
  while (reader.pos < reader.len) {
    const [number, wireType] = reader.tag();
    if (number >= 1 && number <= 4 && wireType !== WireType.LengthDelimited) {
      throw new Error(`wrong wire type ${wireType} for field ${number} of the envelope (runtime.Unknown)`);
    }
    if (number === 1) messageToJson(TypeMetaSchema, reader.bytes(), typeMeta);
    else if (number === 2) raw = reader.bytes();
    else reader.skip(wireType, number);
  }
  const text = (value: unknown): string => (typeof value === "string" ? value : "");
  return { apiVersion: text(typeMeta.apiVersion), kind: text(typeMeta.kind), raw };
}

function invalidBody(reason: string): ApiError {
  return badRequest(`unable to decode protobuf body: ${reason}`);
}

/** Whatever the reader throws (truncation, bad varints, wrong wire types) becomes a 400. */
function guarded<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw invalidBody(err instanceof Error ? err.message : String(err));
  }
}
