import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { recordUpdate } from "./managed-fields.ts";

const now = "2026-03-01T10:00:00.123Z";
const later = "2026-03-01T11:00:00Z";

function deployment(replicas: number, image = "nginx:1.27"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", uid: "u1", resourceVersion: "1", labels: { app: "web" } },
    spec: { replicas, template: { spec: { containers: [{ name: "web", image }] } } },
  };
}

describe("recordUpdate", () => {
  it("gives the creator every field it set, minus identity and server bookkeeping", () => {
    const created = deployment(3);
    const entries = recordUpdate({
      old: undefined,
      updated: created,
      manager: "kubectl-create",
      now,
      apiVersion: "apps/v1",
    });
    expect(entries).toEqual([
      {
        manager: "kubectl-create",
        operation: "Update",
        apiVersion: "apps/v1",
        time: "2026-03-01T10:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
          "f:spec": {
            ".": {},
            "f:replicas": {},
            "f:template": {
              ".": {},
              "f:spec": {
                ".": {},
                "f:containers": { ".": {}, 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } },
              },
            },
          },
        },
      },
    ]);
  });

  it("moves a changed field to the writer (scale subresource) and keeps other entries", () => {
    const old = deployment(3);
    old.metadata.managedFields = recordUpdate({
      old: undefined,
      updated: old,
      manager: "helm",
      now,
      apiVersion: "apps/v1",
    });
    const updated = { ...deployment(5), metadata: { ...old.metadata } };
    const entries = recordUpdate({
      old,
      updated,
      manager: "kubectl",
      subresource: "scale",
      now: later,
      apiVersion: "apps/v1",
    });
    expect(entries.map((e) => [e.manager, e.subresource, e.time])).toEqual([
      ["helm", undefined, "2026-03-01T10:00:00Z"],
      ["kubectl", "scale", "2026-03-01T11:00:00Z"],
    ]);
    expect(entries[0]?.fieldsV1?.["f:spec"]).not.toHaveProperty("f:replicas");
    expect(entries[1]?.fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
  });

  it("forgets fields that were removed and managers left with nothing", () => {
    const old = deployment(3);
    old.metadata.managedFields = [
      {
        manager: "a",
        operation: "Update",
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:metadata": { "f:labels": { "f:app": {} } } },
      },
    ];
    const updated = deployment(3);
    updated.metadata.labels = {};
    updated.metadata.managedFields = old.metadata.managedFields;
    expect(recordUpdate({ old, updated, manager: "b", now, apiVersion: "apps/v1" })).toEqual([]);
  });

  it("records nothing for a write that changes nothing owned", () => {
    const old = deployment(3);
    const updated = { ...deployment(3), metadata: { ...old.metadata, resourceVersion: "2", generation: 2 } };
    expect(recordUpdate({ old, updated, manager: "x", now, apiVersion: "apps/v1" })).toEqual([]);
  });

  it("lets a client replace managedFields, or clear them with a single empty entry", () => {
    const old = deployment(3);
    old.metadata.managedFields = [
      {
        manager: "a",
        operation: "Update",
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:replicas": {} } },
      },
    ];
    const cleared = { ...deployment(3), metadata: { ...old.metadata, managedFields: [{}] } };
    expect(recordUpdate({ old, updated: cleared, manager: "x", now, apiVersion: "apps/v1" })).toEqual([]);
    const kept = { ...deployment(3), metadata: { ...old.metadata, managedFields: [] } };
    expect(recordUpdate({ old, updated: kept, manager: "x", now, apiVersion: "apps/v1" })).toEqual(
      old.metadata.managedFields,
    );
    const replacement = [
      {
        manager: "b",
        operation: "Apply" as const,
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1" as const,
        fieldsV1: { "f:spec": { "f:replicas": {} } },
      },
    ];
    const replaced = { ...deployment(3), metadata: { ...old.metadata, managedFields: replacement } };
    expect(recordUpdate({ old, updated: replaced, manager: "x", now, apiVersion: "apps/v1" })).toEqual(replacement);
  });
});
