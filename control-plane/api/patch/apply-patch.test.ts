import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { ApiError } from "../errors.ts";
import { applyPatch, mediaTypeOf } from "./apply-patch.ts";

const now = "2026-03-01T10:00:00Z";
const ctx = { now, apiVersion: "apps/v1" };

const live = (): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", uid: "u1" },
  spec: { replicas: 1, template: { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } },
});

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("applyPatch", () => {
  it("dispatches on the media type, ignoring parameters", () => {
    expect(mediaTypeOf("Application/Merge-Patch+JSON; charset=utf-8")).toBe("application/merge-patch+json");
    const merge = applyPatch("application/merge-patch+json; charset=utf-8", live(), '{"spec":{"replicas":5}}', ctx);
    expect(merge.object.spec).toMatchObject({ replicas: 5 });
    expect(merge.managedFields).toBeUndefined();

    const json = applyPatch(
      "application/json-patch+json",
      live(),
      new TextEncoder().encode('[{"op":"replace","path":"/spec/replicas","value":2}]'),
      ctx,
    );
    expect(json.object.spec).toMatchObject({ replicas: 2 });

    const smp = applyPatch(
      "application/strategic-merge-patch+json",
      live(),
      '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"nginx:1.29","name":"web"}]}}}}',
      ctx,
    );
    expect(smp.object.spec).toMatchObject({
      template: { spec: { containers: [{ name: "web", image: "nginx:1.29" }] } },
    });
  });

  it("server-side applies YAML or JSON bodies, creating when there is no live object", () => {
    const yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n";
    const created = applyPatch("application/apply-patch+yaml", undefined, yaml, {
      ...ctx,
      manager: "kubectl",
      force: false,
    });
    expect(created.object.spec).toEqual({ replicas: 3 });
    expect(created.managedFields?.[0]).toMatchObject({
      manager: "kubectl",
      operation: "Apply",
      fieldsV1: { "f:spec": { "f:replicas": {} } },
    });
    const updated = applyPatch(
      "application/apply-patch+yaml",
      live(),
      JSON.stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 4 } }),
      { ...ctx, manager: "kubectl" },
    );
    expect(updated.object.spec).toMatchObject({ replicas: 4, template: {} });
  });

  it("answers 415 for other media types", () => {
    const err = failure(() => applyPatch("application/json", live(), "{}", ctx));
    expect(err.code).toBe(415);
    expect(err.reason).toBe("UnsupportedMediaType");
  });

  it("answers 400 with the parser's message for bodies that do not parse", () => {
    const json = failure(() => applyPatch("application/merge-patch+json", live(), "{nope", ctx));
    expect(json.code).toBe(400);
    expect(json.message).toMatch(/JSON/);
    const yaml = failure(() => applyPatch("application/apply-patch+yaml", live(), "a: [", { ...ctx, manager: "m" }));
    expect(yaml.code).toBe(400);
    expect(yaml.message).toMatch(/^error decoding YAML: Flow sequence/);
    expect(failure(() => applyPatch("application/merge-patch+json", live(), new Uint8Array([0xff]), ctx)).code).toBe(
      400,
    );
  });

  // Found by the fuzz test: these overflowed the stack in the patch walkers (a 500).
  it("answers 400 for bodies nested too deep or circular", () => {
    const deep = `${'{"spec":'.repeat(5000)}{}${"}".repeat(5000)}`;
    const tooDeep = failure(() => applyPatch("application/merge-patch+json", live(), deep, ctx));
    expect(tooDeep.code).toBe(400);
    expect(tooDeep.message).toBe("the patch cannot be handled: it is nested more than 1000 levels deep");
    const circular = failure(() =>
      applyPatch("application/apply-patch+yaml", live(), "a: &a [*a]\n", { ...ctx, manager: "m" }),
    );
    expect(circular.code).toBe(400);
    expect(circular.message).toMatch(/refers to itself/);
  });

  it("validates PatchOptions as kube-apiserver does (422)", () => {
    const noManager = failure(() => applyPatch("application/apply-patch+yaml", live(), "{}", ctx));
    expect(noManager.code).toBe(422);
    expect(noManager.message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    const force = failure(() => applyPatch("application/merge-patch+json", live(), "{}", { ...ctx, force: true }));
    expect(force.message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    );
  });
});
