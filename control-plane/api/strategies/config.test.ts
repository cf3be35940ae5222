import { describe, expect, it } from "vitest";
import type { ConfigMap, Secret } from "../../../schemas/core/config.ts";
import { configMapStrategy, MAX_SECRET_SIZE, secretStrategy } from "./config.ts";

function secret(body: Record<string, unknown>): Secret {
  const { object } = secretStrategy.decode(
    { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "default" }, ...body },
    "Strict",
  );
  secretStrategy.applyDefaults(object);
  return object;
}

function configMap(body: Record<string, unknown>): ConfigMap {
  const { object } = configMapStrategy.decode(
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" }, ...body },
    "Strict",
  );
  configMapStrategy.applyDefaults(object);
  return object;
}

describe("Secret", () => {
  it("defaults type to Opaque and folds stringData into data as base64", () => {
    const s = secret({ data: { a: "YQ==" }, stringData: { b: "héllo", a: "override" } });
    expect(s).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", namespace: "default" },
      type: "Opaque",
      data: { a: "b3ZlcnJpZGU=", b: "aMOpbGxv" },
    });
    expect(secretStrategy.validate(s)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, { reason: string; field: string; message: string }[]]>([
    [
      "bad key",
      { data: { "bad key": "" } },
      [
        {
          reason: "FieldValueInvalid",
          field: "data[bad key]",
          message: expect.stringContaining(
            "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
          ),
        },
      ],
    ],
    [
      "TLS secret without its keys",
      { type: "kubernetes.io/tls", data: {} },
      [
        { reason: "FieldValueRequired", field: "data[tls.crt]", message: "Required value" },
        { reason: "FieldValueRequired", field: "data[tls.key]", message: "Required value" },
      ],
    ],
    [
      "dockerconfigjson that is not JSON",
      { type: "kubernetes.io/dockerconfigjson", stringData: { ".dockerconfigjson": "{" } },
      [
        {
          reason: "FieldValueInvalid",
          field: "data[.dockerconfigjson]",
          message: expect.stringMatching(/^Invalid value: "<secret contents redacted>": /),
        },
      ],
    ],
  ])("%s", (_name, body, causes) => {
    expect(secretStrategy.validate(secret(body))).toEqual(causes);
  });

  it("refuses more than 1 MiB of data", () => {
    const s = secret({ stringData: { big: "x".repeat(MAX_SECRET_SIZE + 1) } });
    expect(secretStrategy.validate(s)).toEqual([
      { reason: "FieldValueTooLong", field: "data", message: "Too long: may not be more than 1048576 bytes" },
    ]);
  });

  it("keeps type and immutable data", () => {
    const old = secret({ immutable: true, data: { a: "YQ==" } });
    expect(secretStrategy.validateUpdate(secret({ immutable: true, data: { a: "YQ==" } }), old)).toEqual([]);
    expect(secretStrategy.validateUpdate(secret({ immutable: true, data: { a: "Yg==" } }), old)).toEqual([
      {
        reason: "FieldValueForbidden",
        field: "data",
        message: "Forbidden: field is immutable when `immutable` is set",
      },
    ]);
    expect(secretStrategy.validateUpdate(secret({ data: { a: "YQ==" } }), old)).toEqual([
      {
        reason: "FieldValueForbidden",
        field: "immutable",
        message: "Forbidden: field is immutable when `immutable` is set",
      },
    ]);
    expect(
      secretStrategy.validateUpdate(secret({ type: "kubernetes.io/basic-auth", data: { a: "YQ==" } }), secret({})),
    ).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "type",
        message: 'Invalid value: "kubernetes.io/basic-auth": field is immutable',
      },
    ]);
  });
});

describe("ConfigMap", () => {
  it("checks keys and binaryData duplicates", () => {
    const cm = configMap({ data: { "app.conf": "x", dup: "y" }, binaryData: { dup: "eQ==" } });
    expect(configMapStrategy.validate(cm)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "data[dup]",
        message: 'Invalid value: "dup": duplicate of key present in binaryData',
      },
    ]);
  });

  it("refuses more than 1 MiB in total on the whole object", () => {
    const cm = configMap({ data: { big: "x".repeat(MAX_SECRET_SIZE + 1) } });
    expect(configMapStrategy.validate(cm)).toEqual([
      { reason: "FieldValueTooLong", field: "", message: "Too long: may not be more than 1048576 bytes" },
    ]);
  });

  it("keeps immutable data", () => {
    const old = configMap({ immutable: true, data: { a: "1" } });
    expect(configMapStrategy.validateUpdate(configMap({ immutable: true, data: { a: "2" } }), old)).toEqual([
      {
        reason: "FieldValueForbidden",
        field: "data",
        message: "Forbidden: field is immutable when `immutable` is set",
      },
    ]);
    expect(configMapStrategy.validateUpdate(configMap({ data: { a: "1" } }), configMap({ data: { a: "1" } }))).toEqual(
      [],
    );
    expect(configMapStrategy.tracksGeneration).toBe(false);
    expect(configMapStrategy.hasStatus).toBe(false);
  });
});
