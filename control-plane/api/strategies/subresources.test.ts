import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.ts";
import { bindingBody, deleteOptionsBody, evictionBody, scaleBody } from "./subresources.ts";

describe("Scale", () => {
  it("decodes what kubectl scale produces and refuses negative replicas", () => {
    const body = {
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name: "web-app", namespace: "default" },
      spec: { replicas: 5 },
      status: { replicas: 3, selector: "app=web-app" },
    };
    const { object } = scaleBody.decode(body, "Strict");
    expect(scaleBody.validate(object)).toEqual([]);
    object.spec = { replicas: -1 };
    expect(scaleBody.validate(object)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.replicas",
        message: "Invalid value: -1: must be greater than or equal to 0",
      },
    ]);
  });

  it("refuses a body of another kind", () => {
    expect(() => scaleBody.decode({ apiVersion: "apps/v1", kind: "Deployment" }, "Strict")).toThrow(
      "the API version in the data (apps/v1) does not match the expected API version (autoscaling/v1)",
    );
  });
});

describe("Binding", () => {
  it("needs a node name", () => {
    const { object } = bindingBody.decode(
      { apiVersion: "v1", kind: "Binding", metadata: { name: "web" }, target: { kind: "Node", apiVersion: "v1" } },
      "Strict",
    );
    expect(bindingBody.validate(object)).toEqual([
      { reason: "FieldValueRequired", field: "target.name", message: "Required value" },
    ]);
  });
});

describe("Eviction and DeleteOptions", () => {
  it("decodes kubectl's DELETE body without apiVersion and kind", () => {
    expect(deleteOptionsBody.decode({ propagationPolicy: "Background" }, "Strict").object).toEqual({
      propagationPolicy: "Background",
    });
    const full = {
      kind: "DeleteOptions",
      apiVersion: "meta.k8s.io/v1",
      gracePeriodSeconds: 0,
      propagationPolicy: "Foreground",
    };
    expect(deleteOptionsBody.decode(full, "Strict").object).toEqual(full);
  });

  it("refuses unknown fields and bad policies", () => {
    expect(() => deleteOptionsBody.decode({ propagation: "Background" }, "Strict")).toThrow(ApiError);
    expect(deleteOptionsBody.validate({ propagationPolicy: "Later" })).toEqual([
      {
        reason: "FieldValueNotSupported",
        field: "propagationPolicy",
        message: 'Unsupported value: "Later": supported values: "Foreground", "Background", "Orphan", "nil"',
      },
    ]);
    expect(deleteOptionsBody.validate({ orphanDependents: true, propagationPolicy: "Orphan" })).toHaveLength(1);
  });

  it("validates the options an eviction carries", () => {
    const { object } = evictionBody.decode(
      {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: "web", namespace: "default" },
        deleteOptions: { dryRun: ["Some"] },
      },
      "Strict",
    );
    expect(evictionBody.validate(object)).toEqual([
      {
        reason: "FieldValueNotSupported",
        field: "dryRun",
        message: 'Unsupported value: ["Some"]: supported values: "All"',
      },
    ]);
  });
});
