// Test helpers: build protobuf request bodies the way client-go does, from generated messages.

import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { UnknownSchema } from "./gen/apimachinery/runtime/unknown_pb.ts";

const MAGIC = new Uint8Array([0x6b, 0x38, 0x73, 0x00]);

/** "k8s\0" + runtime.Unknown{typeMeta, raw}. */
export function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const unknown = toBinary(UnknownSchema, create(UnknownSchema, { typeMeta: { apiVersion, kind }, raw }));
  const body = new Uint8Array(MAGIC.length + unknown.length);
  body.set(MAGIC);
  body.set(unknown, MAGIC.length);
  return body;
}

/** A whole request body for one object built with the generated code. */
export function body<Desc extends DescMessage>(
  schema: Desc,
  apiVersion: string,
  kind: string,
  init: MessageInitShape<Desc>,
): Uint8Array {
  return envelope(apiVersion, kind, toBinary(schema, create(schema, init)));
}

export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  return new Uint8Array(digits.match(/../g)?.map((pair) => Number.parseInt(pair, 16)) ?? []);
}
