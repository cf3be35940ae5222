import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { ApiError } from "../errors.ts";
import { recordUpdate } from "./managed-fields.ts";
import { applyServerSide } from "./server-side-apply.ts";

const now = "2026-03-01T10:00:00Z";
const base = { apiVersion: "apps/v1", now, force: false };

function manifest(replicas: number, image: string, labels: Record<string, string> = { app: "web" }) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels },
    spec: { replicas, template: { spec: { containers: [{ name: "web", image, ports: [{ containerPort: 80 }] }] } } },
  };
}

function created(): KubeObject {
  const { object } = applyServerSide({
    ...base,
    live: undefined,
    applied: manifest(2, "nginx:1.27"),
    manager: "kubectl",
  });
  return { ...object, metadata: { ...object.metadata, uid: "u1", resourceVersion: "1" } };
}

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("applyServerSide", () => {
  it("creates the object and records the applied fields in FieldsV1", () => {
    const { object, managedFields } = applyServerSide({
      ...base,
      live: undefined,
      applied: manifest(2, "nginx:1.27"),
      manager: "kubectl",
    });
    expect(object.spec).toEqual(manifest(2, "nginx:1.27").spec);
    expect(managedFields).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: now,
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:template": {
              "f:spec": {
                "f:containers": {
                  'k:{"name":"web"}': {
                    ".": {},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
    expect(object.metadata.managedFields).toEqual(managedFields);
  });

  it("merges a re-apply and removes what the manager stopped applying, without mutating live", () => {
    const live = created();
    live.metadata.labels = { app: "web", extra: "by-hand" };
    const before = structuredClone(live);
    const applied = manifest(3, "nginx:1.28", { tier: "front" });
    const { object } = applyServerSide({ ...base, live, applied, manager: "kubectl" });
    // "app" was applied before and is not now; "extra" was never this manager's.
    expect(object.metadata.labels).toEqual({ extra: "by-hand", tier: "front" });
    expect(object.spec).toEqual(applied.spec);
    expect(object.metadata.uid).toBe("u1");
    expect(live).toEqual(before);
  });

  it("keeps a field another manager also owns when the applier drops it", () => {
    const live = created();
    const other = applyServerSide({ ...base, live, applied: manifest(2, "nginx:1.27"), manager: "helm" }).object;
    const { applied } = { applied: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" } } };
    const { object, managedFields } = applyServerSide({ ...base, live: other, applied, manager: "kubectl" });
    expect(object.spec).toEqual(manifest(2, "nginx:1.27").spec);
    expect(managedFields.map((e) => e.manager)).toEqual(["helm", "kubectl"]);
    expect(managedFields[1]?.fieldsV1).toEqual({});
  });

  it("conflicts with a manager that wrote a different value, as after `kubectl scale`", () => {
    const live = created();
    const scaled: KubeObject = structuredClone(live);
    (scaled.spec as { replicas: number }).replicas = 5;
    scaled.metadata.managedFields = recordUpdate({
      old: live,
      updated: scaled,
      manager: "kubectl-client-side-apply",
      now,
      apiVersion: "apps/v1",
    });
    const err = failure(() =>
      applyServerSide({ ...base, live: scaled, applied: manifest(3, "nginx:1.27"), manager: "kubectl" }),
    );
    expect(err.code).toBe(409);
    expect(err.reason).toBe("Conflict");
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    expect(err.details?.causes).toEqual([
      {
        reason: "FieldManagerConflict",
        message: 'conflict with "kubectl-client-side-apply" using apps/v1',
        field: ".spec.replicas",
      },
    ]);
    // Applying the value it already has is no conflict: both then own it.
    const same = applyServerSide({ ...base, live: scaled, applied: manifest(5, "nginx:1.27"), manager: "kubectl" });
    expect(same.managedFields.find((e) => e.operation === "Update")?.fieldsV1).toEqual({
      "f:spec": { "f:replicas": {} },
    });
  });

  it("takes ownership with force", () => {
    const live = created();
    const scaled: KubeObject = structuredClone(live);
    (scaled.spec as { replicas: number }).replicas = 5;
    scaled.metadata.managedFields = recordUpdate({
      old: live,
      updated: scaled,
      manager: "kubectl",
      subresource: "scale",
      now,
      apiVersion: "apps/v1",
    });
    const err = failure(() =>
      applyServerSide({ ...base, live: scaled, applied: manifest(3, "nginx:1.27"), manager: "kubectl" }),
    );
    expect(err.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
    );
    const { object, managedFields } = applyServerSide({
      ...base,
      live: scaled,
      applied: manifest(3, "nginx:1.27"),
      manager: "kubectl",
      force: true,
    });
    expect((object.spec as { replicas: number }).replicas).toBe(3);
    expect(managedFields.map((e) => e.manager)).toEqual(["kubectl"]);
  });

  it("lists several conflicts grouped by manager", () => {
    const live = created();
    const err = failure(() =>
      applyServerSide({ ...base, live, applied: { ...manifest(4, "nginx:2", { app: "other" }) }, manager: "helm" }),
    );
    expect(err.message).toBe(
      'Apply failed with 3 conflicts: conflicts with "kubectl":\n- .metadata.labels.app\n- .spec.replicas\n' +
        '- .spec.template.spec.containers[name="web"].image',
    );
    expect(err.details?.causes).toHaveLength(3);
  });

  it("never conflicts on status", () => {
    const live = created();
    live.status = { replicas: 1 };
    live.metadata.managedFields = recordUpdate({
      old: created(),
      updated: live,
      manager: "controller",
      subresource: "status",
      now,
      apiVersion: "apps/v1",
    });
    const applied = { ...manifest(2, "nginx:1.27"), status: { replicas: 2 } };
    expect(applyServerSide({ ...base, live, applied, manager: "kubectl" }).object.status).toEqual({ replicas: 2 });
  });

  it("merges keyed lists in the applied order, keeping live-only elements in place", () => {
    const live = created();
    const spec = live.spec as { template: { spec: { containers: { name: string }[] } } };
    spec.template.spec.containers = [{ name: "a" }, { name: "injected" }, { name: "b" }];
    const applied = manifest(2, "x");
    applied.spec.template.spec.containers = [
      { name: "b", image: "b", ports: [] },
      { name: "a", image: "a", ports: [] },
      { name: "c", image: "c", ports: [] },
    ];
    const { object } = applyServerSide({ ...base, live, applied, manager: "other", force: true });
    const names = (object.spec as typeof spec).template.spec.containers.map((c) => c.name);
    expect(names).toEqual(["injected", "b", "a", "c"]);
  });

  it("treats finalizers as a set owned value by value", () => {
    const applied = { ...manifest(1, "x"), metadata: { name: "web", finalizers: ["example.com/a"] } };
    const { managedFields } = applyServerSide({ ...base, live: undefined, applied, manager: "m" });
    expect(managedFields[0]?.fieldsV1?.["f:metadata"]).toEqual({ "f:finalizers": { 'v:"example.com/a"': {} } });
  });

  it("refuses bad applied configurations", () => {
    const withFields = { ...manifest(1, "x"), metadata: { name: "web", managedFields: [] } };
    expect(
      failure(() => applyServerSide({ ...base, live: undefined, applied: withFields, manager: "m" })).message,
    ).toBe("metadata.managedFields must be nil");
    const wrongVersion = { ...manifest(1, "x"), apiVersion: "apps/v1beta1" };
    expect(failure(() => applyServerSide({ ...base, live: undefined, applied: wrongVersion, manager: "m" })).code).toBe(
      400,
    );
    const noKey = manifest(1, "x");
    noKey.spec.template.spec.containers = [{ image: "x" } as never];
    expect(failure(() => applyServerSide({ ...base, live: undefined, applied: noKey, manager: "m" })).code).toBe(400);
    const dup = manifest(1, "x");
    dup.spec.template.spec.containers.push({ name: "web", image: "y", ports: [] });
    expect(failure(() => applyServerSide({ ...base, live: undefined, applied: dup, manager: "m" })).code).toBe(422);
    expect(failure(() => applyServerSide({ ...base, live: undefined, applied: [], manager: "m" })).code).toBe(400);
  });
});
