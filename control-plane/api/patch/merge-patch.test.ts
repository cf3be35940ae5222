import { expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { ApiError } from "../errors.ts";
import { applyMergePatch, mergePatchValue } from "./merge-patch.ts";

const deployment = (): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web-app", labels: { app: "web", tier: "front" } },
  spec: { replicas: 3, template: { spec: { containers: [{ name: "web", image: "nginx" }] } } },
});

it("merges kubectl label's patch and leaves live untouched", () => {
  const live = deployment();
  const out = applyMergePatch(live, { metadata: { labels: { tier: "web", env: "prod" } } });
  expect(out.metadata.labels).toEqual({ app: "web", tier: "web", env: "prod" });
  expect(live.metadata.labels).toEqual({ app: "web", tier: "front" });
});

it("deletes with null and replaces lists whole (scale, label removal)", () => {
  const out = applyMergePatch(deployment(), {
    metadata: { labels: { tier: null, missing: null } },
    spec: { replicas: 5, template: { spec: { containers: [{ name: "other" }] } } },
  });
  expect(out.metadata.labels).toEqual({ app: "web" });
  expect(out.spec).toEqual({ replicas: 5, template: { spec: { containers: [{ name: "other" }] } } });
});

it("follows the RFC 7386 examples", () => {
  expect(mergePatchValue({ a: "b" }, { a: "c" })).toEqual({ a: "c" });
  expect(mergePatchValue({ a: "b" }, { b: "c" })).toEqual({ a: "b", b: "c" });
  expect(mergePatchValue({ a: "b" }, { a: null })).toEqual({});
  expect(mergePatchValue({ a: [{ b: "c" }] }, { a: [1] })).toEqual({ a: [1] });
  expect(mergePatchValue(["a", "b"], ["c", "d"])).toEqual(["c", "d"]);
  expect(mergePatchValue({ a: "foo" }, null)).toBe(null);
  expect(mergePatchValue({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
  expect(mergePatchValue([1, 2], { a: "b", c: null })).toEqual({ a: "b" });
  expect(mergePatchValue({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
});

it("answers a body that is not an object with 400", () => {
  expect(() => applyMergePatch(deployment(), [1])).toThrow(ApiError);
  expect(() => applyMergePatch(deployment(), { metadata: null })).toThrow(/no metadata/);
});
