import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { ApiError } from "../errors.ts";
import { applyJsonPatch, maxJsonPatchOperations } from "./json-patch.ts";

const deployment = (): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web-app", annotations: { "deployment.kubernetes.io/revision": "2" } },
  spec: { replicas: 3, template: { spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } },
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

describe("applyJsonPatch", () => {
  it("applies rollout undo's replace of the template and the annotations without mutating live", () => {
    const live = deployment();
    const before = structuredClone(live);
    const template = { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } };
    const out = applyJsonPatch(live, [
      { op: "replace", path: "/spec/template", value: template },
      { op: "replace", path: "/metadata/annotations", value: { "deployment.kubernetes.io/revision": "3" } },
    ]);
    expect(out.spec).toEqual({ replicas: 3, template });
    expect(out.metadata.annotations).toEqual({ "deployment.kubernetes.io/revision": "3" });
    expect(live).toEqual(before);
  });

  it("supports add, remove, move, copy and test", () => {
    const out = applyJsonPatch(deployment(), [
      { op: "test", path: "/spec/replicas", value: 3 },
      { op: "add", path: "/metadata/labels", value: { app: "web" } },
      { op: "copy", from: "/metadata/labels", path: "/spec/template/metadata" },
      { op: "move", from: "/spec/replicas", path: "/spec/count" },
      { op: "remove", path: "/metadata/annotations" },
      { op: "add", path: "/spec/template/spec/containers/-", value: { name: "side", image: "busybox" } },
    ]);
    expect(out.metadata).toEqual({ name: "web-app", labels: { app: "web" } });
    expect(out.spec).toEqual({
      count: 3,
      template: {
        metadata: { app: "web" },
        spec: {
          containers: [
            { name: "web", image: "nginx:1.28" },
            { name: "side", image: "busybox" },
          ],
        },
      },
    });
  });

  it("does not alias values of the patch body", () => {
    const value = { app: "web" };
    const out = applyJsonPatch(deployment(), [{ op: "add", path: "/metadata/labels", value }]);
    value.app = "changed";
    expect(out.metadata.labels).toEqual({ app: "web" });
  });

  it("answers a failed test with 422 Invalid naming the operation and path", () => {
    const err = failure(() => applyJsonPatch(deployment(), [{ op: "test", path: "/spec/replicas", value: 5 }]));
    expect(err.code).toBe(422);
    expect(err.reason).toBe("Invalid");
    expect(err.message).toBe("json patch operation 0 (test /spec/replicas) failed: the value differs");
  });

  it("answers missing paths with 422", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ op: "replace", path: "/spec/nope", value: 1 }, "(replace /spec/nope) failed: the path does not exist"],
      [{ op: "remove", path: "/metadata/labels" }, "(remove /metadata/labels) failed: the path does not exist"],
      [{ op: "add", path: "/a/b/c", value: 1 }, "(add /a/b/c) failed: the parent of the path does not exist"],
      [{ op: "move", from: "/x", path: "/y" }, "(move /y from /x) failed: the from path does not exist"],
      [{ op: "add", path: "/spec/template/spec/containers/7", value: {} }, "failed: the array index is out of range"],
      [{ op: "frobnicate", path: "/spec" }, "(frobnicate /spec) failed: unknown operation"],
    ];
    for (const [op, message] of cases) {
      const err = failure(() => applyJsonPatch(deployment(), [{ op: "test", path: "/kind", value: "Deployment" }, op]));
      expect(err.code).toBe(422);
      expect(err.message).toContain("json patch operation 1 ");
      expect(err.message).toContain(message);
    }
  });

  // Found by the fuzz test: moving the document into itself made a cycle (a 500 from a stack overflow).
  it("refuses to move a location into one of its children", () => {
    for (const from of ["", "/spec"]) {
      const err = failure(() => applyJsonPatch(deployment(), [{ op: "move", from, path: "/spec/replicas" }]));
      expect(err.code).toBe(422);
      expect(err.message).toBe(
        `json patch operation 0 (move /spec/replicas from ${from}) failed: a location cannot be moved into one of its children`,
      );
    }
  });

  it("refuses __proto__ paths", () => {
    const err = failure(() => applyJsonPatch(deployment(), [{ op: "add", path: "/__proto__/x", value: 1 }]));
    expect(err.code).toBe(422);
  });

  it("answers a body that is not a list of operations with 400", () => {
    expect(failure(() => applyJsonPatch(deployment(), { op: "add" })).code).toBe(400);
    expect(failure(() => applyJsonPatch(deployment(), [1])).code).toBe(400);
  });

  it("answers too many operations with 413", () => {
    const ops = Array.from({ length: maxJsonPatchOperations + 1 }, () => ({ op: "test", path: "/kind", value: "x" }));
    const err = failure(() => applyJsonPatch(deployment(), ops));
    expect(err.code).toBe(413);
    expect(err.message).toBe(
      "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001",
    );
  });

  it("refuses to replace the whole object with something that is not one", () => {
    expect(failure(() => applyJsonPatch(deployment(), [{ op: "replace", path: "", value: [] }])).code).toBe(422);
  });
});
