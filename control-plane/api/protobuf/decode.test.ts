import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.ts";
import { decodeProtobufObject } from "./decode.ts";
import { DeploymentSchema } from "./gen/api/apps/v1/apps_pb.ts";
import { NamespaceSchema } from "./gen/api/core/v1/object_pb.ts";
import { PodSchema } from "./gen/api/core/v1/pod_pb.ts";
import { body, envelope, hex } from "./test-support.ts";

/** `kubectl create namespace demo` (kubectl 1.35), as captured in reference/kubectl/recordings.log. */
const CAPTURED_CREATE_NAMESPACE = hex(`
  6b 38 73 00 0a 0f 0a 02 76 31 12 09 4e 61 6d 65 73 70 61 63 65 12 1c 0a 14 0a 04 64 65 6d 6f
  12 00 1a 00 22 00 2a 00 32 00 38 00 42 00 12 00 1a 02 0a 00 1a 00 22 00`);

function decodeError(bytes: Uint8Array): ApiError {
  try {
    decodeProtobufObject(bytes);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("decodeProtobufObject: envelopes", () => {
  it("decodes kubectl's own bytes as kube-apiserver would: Go's zero-valued fields vanish, present structs stay", () => {
    // Go writes every non-pointer field (generateName "", generation 0, an empty creationTimestamp,
    // an empty status{phase:""}); omitempty drops them again and the zero time is null (omitted here).
    const decoded = decodeProtobufObject(CAPTURED_CREATE_NAMESPACE);
    expect(decoded.apiVersion).toBe("v1");
    expect(decoded.kind).toBe("Namespace");
    expect(JSON.stringify(decoded.object)).toBe(
      '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo"},"spec":{},"status":{}}',
    );
  });

  it("decodes a hand-assembled minimal Namespace: absent submessages stay absent", () => {
    const bytes = hex("6b387300 0a0f 0a027631 12094e616d657370616365 1208 0a06 0a0464656d6f");
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "demo" },
    });
  });

  it("ignores unknown fields, contentEncoding and contentType", () => {
    const raw = toBinary(NamespaceSchema, create(NamespaceSchema, { metadata: { name: "x" } }));
    const withUnknown = new Uint8Array([...raw, 0xf8, 0x06, 0x01, 0x9a, 0x07, 0x02, 0x61, 0x62]); // 111:varint, 115:"ab"
    const bytes = new Uint8Array([...envelope("v1", "Namespace", withUnknown), 0x1a, 0x01, 0x78, 0x22, 0x01, 0x79]);
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "x" },
    });
  });

  it("drops a volume source it does not know (a newer upstream field) and keeps the volume", () => {
    // Pod{spec{volumes[{name "x", volumeSource{99: "zz"}}]}}
    const bytes = envelope("v1", "Pod", hex("120c 0a0a 0a0178 1205 9a06027a7a"));
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      spec: { volumes: [{ name: "x" }] },
    });
  });

  it("gives the envelope's TypeMeta to objects with no body", () => {
    expect(decodeProtobufObject(envelope("v1", "ConfigMap", new Uint8Array(0))).object).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
    });
  });
});

describe("decodeProtobufObject: Go semantics", () => {
  it("keeps pointer fields that are present with a zero value, drops zero omitempty values", () => {
    const bytes = body(DeploymentSchema, "apps/v1", "Deployment", {
      metadata: { name: "web", generation: 0n },
      spec: { replicas: 0, paused: false, minReadySeconds: 0, revisionHistoryLimit: 0 },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { replicas: 0, revisionHistoryLimit: 0 },
    });
  });

  it("merges a message that occurs twice and lets the last scalar win", () => {
    const first = toBinary(NamespaceSchema, create(NamespaceSchema, { metadata: { name: "a", labels: { x: "1" } } }));
    const second = toBinary(NamespaceSchema, create(NamespaceSchema, { metadata: { name: "b", labels: { y: "2" } } }));
    const bytes = envelope("v1", "Namespace", new Uint8Array([...first, ...second]));
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "b", labels: { x: "1", y: "2" } },
    });
  });

  it("reads repeated numbers packed and unpacked", () => {
    // PodSpec(2) > securityContext(14) > supplementalGroups(4): one packed record [1, 2], then 3 unpacked.
    const securityContext = [0x22, 0x02, 0x01, 0x02, 0x20, 0x03];
    const spec = [0x72, securityContext.length, ...securityContext];
    const bytes = envelope("v1", "Pod", new Uint8Array([0x12, spec.length, ...spec]));
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      spec: { securityContext: { supplementalGroups: [1, 2, 3] } },
    });
  });

  it("keeps a __proto__ map key as data", () => {
    const bytes = body(NamespaceSchema, "v1", "Namespace", { metadata: { labels: { ["__proto__"]: "yes" } } });
    const object = decodeProtobufObject(bytes).object as { metadata: { labels: Record<string, string> } };
    expect(Object.getPrototypeOf(object.metadata.labels)).toBe(Object.prototype);
    expect(Object.keys(object.metadata.labels)).toEqual(["__proto__"]);
    expect(JSON.stringify(object.metadata.labels)).toBe('{"__proto__":"yes"}');
  });

  it("writes invalid UTF-8 as U+FFFD, as Go's JSON encoder does", () => {
    const bytes = envelope("v1", "Namespace", new Uint8Array([0x0a, 0x04, 0x0a, 0x02, 0x61, 0xff]));
    expect(decodeProtobufObject(bytes).object).toMatchObject({ metadata: { name: "a\uFFFD" } });
  });
});

describe("decodeProtobufObject: malformed bodies are 400s", () => {
  const cases: [string, Uint8Array, string][] = [
    ["empty", new Uint8Array(0), "unable to decode protobuf body: empty body"],
    ["magic only", hex("6b387300"), "unable to decode protobuf body: empty body"],
    [
      "JSON",
      new TextEncoder().encode("{}"),
      "does not appear to be a protobuf message, expected prefix [107 56 115 0]",
    ],
    ["bad magic", hex("6b387301 0a00"), "does not appear to be a protobuf message"],
    ["truncated envelope", CAPTURED_CREATE_NAMESPACE.subarray(0, 30), "premature EOF"],
    ["truncated object", envelope("v1", "Namespace", hex("0a06 0a0464")), "premature EOF"],
    ["envelope field of the wrong wire type", hex("6b387300 1001"), "wrong wire type 0 for field 2 of the envelope"],
    ["object field of the wrong wire type", envelope("v1", "Namespace", hex("0a02 0801")), "wrong wire type 0"],
    ["illegal field number 0", envelope("v1", "Namespace", hex("0001")), "illegal tag"],
    ["bad varint", envelope("v1", "Pod", hex("120b 28ffffffffffffffffffff")), "invalid varint"],
    ["no kind", envelope("v1", "", new Uint8Array(0)), "Object 'Kind' is missing"],
    ["no apiVersion", envelope("", "Pod", new Uint8Array(0)), "Object 'apiVersion' is missing"],
  ];
  for (const [name, bytes, message] of cases) {
    it(name, () => {
      const err = decodeError(bytes);
      expect(err.code).toBe(400);
      expect(err.reason).toBe("BadRequest");
      expect(err.message).toContain(message);
    });
  }

  it("names an unsupported kind", () => {
    const err = decodeError(envelope("v1", "Foo", new Uint8Array(0)));
    expect(err.code).toBe(400);
    expect(err.message).toBe('protobuf body of kind "Foo" (v1) is not supported');
    expect(decodeError(envelope("apps/v1beta2", "Deployment", new Uint8Array(0))).message).toBe(
      'protobuf body of kind "Deployment" (apps/v1beta2) is not supported',
    );
  });

  it("rejects what Go's JSON encoder would refuse: a bad IntOrString type, a non-JSON fieldsV1", () => {
    const badIntOrString = body(DeploymentSchema, "apps/v1", "Deployment", {
      spec: { strategy: { rollingUpdate: { maxSurge: { type: 7n } } } },
    });
    expect(decodeError(badIntOrString).message).toBe("unable to decode protobuf body: invalid IntOrString type 7");
    const badFields = body(PodSchema, "v1", "Pod", { metadata: { managedFields: [{ fieldsV1: { raw: "{nope" } }] } });
    expect(decodeError(badFields).message).toBe(
      "unable to decode protobuf body: fieldsV1 does not hold a JSON document",
    );
  });
});
