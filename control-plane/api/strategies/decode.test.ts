import { describe, expect, it } from "vitest";
import { deploymentSchema } from "../../../schemas/apps/deployment.ts";
import { secretSchema } from "../../../schemas/core/config.ts";
import { podSchema } from "../../../schemas/core/pod.ts";
import { ApiError } from "../errors.ts";
import type { FieldValidation } from "../strategy.ts";
import { decodeWithSchema, dropNulls } from "./decode.ts";

const target = { kind: "Deployment", version: "v1" };
const prefix = 'Deployment in version "v1" cannot be handled as a Deployment: ';

function deployment(): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web-app" },
    spec: {
      selector: { matchLabels: { app: "web-app" } },
      template: {
        metadata: { labels: { app: "web-app" } },
        spec: { containers: [{ name: "web", image: "myapp:1.2.0" }] },
      },
    },
  };
}

function withUnknownFields(): Record<string, unknown> {
  const body = deployment();
  const spec = body.spec as Record<string, unknown>;
  spec.foo = 1;
  const template = spec.template as { spec: { containers: Record<string, unknown>[] } };
  const container = template.spec.containers[0];
  if (container) container.imagee = "typo";
  return body;
}

function decodeError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("unknown fields", () => {
  it("Strict refuses them all, in document order, with a 400", () => {
    const err = decodeError(() => decodeWithSchema(deploymentSchema, withUnknownFields(), "Strict", target));
    expect(err.code).toBe(400);
    expect(err.reason).toBe("BadRequest");
    expect(err.message).toBe(
      `${prefix}strict decoding error: unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.foo"`,
    );
  });

  it.each<[FieldValidation, string[]]>([
    ["Warn", ['unknown field "spec.template.spec.containers[0].imagee"', 'unknown field "spec.foo"']],
    ["Ignore", []],
  ])("%s drops them and reports %j", (mode, warnings) => {
    const body = withUnknownFields();
    const result = decodeWithSchema(deploymentSchema, body, mode, target);
    expect(result.warnings).toEqual(warnings);
    expect(result.object.spec).not.toHaveProperty("foo");
    expect(result.object.spec?.template?.spec?.containers?.[0]).toEqual({ name: "web", image: "myapp:1.2.0" });
    // The caller's body is left as it was.
    expect((body.spec as Record<string, unknown>).foo).toBe(1);
  });

  it("reports unknown fields inside metadata", () => {
    const body = { ...deployment(), metadata: { name: "x", lables: {} } };
    const err = decodeError(() => decodeWithSchema(deploymentSchema, body, "Strict", target));
    expect(err.message).toBe(`${prefix}strict decoding error: unknown field "metadata.lables"`);
  });
});

describe("wrong types are 400s worded as Go's decoder words them", () => {
  const cases: [string, (b: Record<string, unknown>) => void, string][] = [
    [
      "string for int32",
      (b) => Object.assign(b.spec as object, { replicas: "3" }),
      "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
    ],
    [
      "float for int32",
      (b) => Object.assign(b.spec as object, { replicas: 1.5 }),
      "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
    ],
    [
      "object for a list",
      (b) => Object.assign((b.spec as { template: { spec: object } }).template.spec, { containers: {} }),
      "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container",
    ],
    [
      "number for an env value",
      (b) =>
        Object.assign((b.spec as { template: { spec: { containers: object[] } } }).template.spec.containers[0] ?? {}, {
          env: [{ name: "PORT", value: 8080 }],
        }),
      "json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string",
    ],
    [
      "number for a label",
      (b) => Object.assign(b.metadata as object, { labels: { tier: 1 } }),
      "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
    ],
    [
      "malformed quantity",
      (b) =>
        Object.assign((b.spec as { template: { spec: { containers: object[] } } }).template.spec.containers[0] ?? {}, {
          resources: { limits: { cpu: "lots" } },
        }),
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ],
    [
      "bool for an int-or-string",
      (b) =>
        Object.assign(b.spec as object, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: true } } }),
      "json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32",
    ],
    [
      "malformed time",
      (b) => Object.assign(b.metadata as object, { creationTimestamp: "yesterday" }),
      'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    ],
  ];
  it.each(cases)("%s", (_name, mutate, message) => {
    const body = deployment();
    mutate(body);
    for (const mode of ["Strict", "Warn", "Ignore"] as const) {
      const err = decodeError(() => decodeWithSchema(deploymentSchema, body, mode, target));
      expect(err.code).toBe(400);
      expect(err.message).toBe(prefix + message);
    }
  });

  it("refuses data that is not base64", () => {
    const body = { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { k: "not base64!" } };
    const err = decodeError(() => decodeWithSchema(secretSchema, body, "Strict"));
    expect(err.message).toBe("illegal base64 data at input byte 3");
  });
});

describe("nulls and canonical forms", () => {
  it("treats null as absent, as kubectl's dry-run output needs", () => {
    const body = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", creationTimestamp: null },
      spec: { containers: [{ name: "c", image: "i", resources: {} }] },
      status: {},
    };
    const { object } = decodeWithSchema(podSchema, body, "Strict");
    expect(object.metadata).toEqual({ name: "p" });
  });

  it("copies nothing when there is no null", () => {
    const body = deployment();
    expect(dropNulls(body)).toBe(body);
  });

  it("stores quantities and times in canonical form", () => {
    const body = deployment();
    (body.metadata as Record<string, unknown>).creationTimestamp = "2024-05-01T12:00:00.123+02:00";
    const container = (body.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec
      .containers[0];
    if (container) container.resources = { limits: { cpu: 0.5, memory: "1.5Gi" } };
    const { object } = decodeWithSchema(deploymentSchema, body, "Strict", target);
    expect(object.metadata.creationTimestamp).toBe("2024-05-01T10:00:00Z");
    expect(object.spec?.template?.spec?.containers?.[0]?.resources?.limits).toEqual({ cpu: "500m", memory: "1536Mi" });
  });
});
