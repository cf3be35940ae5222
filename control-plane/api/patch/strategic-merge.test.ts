import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { ApiError } from "../errors.ts";
import { patchMetaFor } from "./patch-meta.ts";
import { applyStrategicMergePatch } from "./strategic-merge.ts";

const deployMeta = patchMetaFor("apps/v1", "Deployment");

function deployment(containers: unknown[] = [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] }]) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web-app",
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"old":true}\n' },
      finalizers: ["a", "b"],
    },
    spec: {
      replicas: 1,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers, tolerations: [{ key: "x" }] } },
    },
  } satisfies KubeObject;
}

const patch = (live: KubeObject, body: unknown) => applyStrategicMergePatch(live, body, deployMeta);
const containersOf = (obj: KubeObject) =>
  (obj.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers;

describe("kubectl's patches", () => {
  it("second `kubectl apply`: new replicas, new image, annotation, container order", () => {
    const live = deployment();
    const before = structuredClone(live);
    const annotation = '{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":3}}\n';
    const out = patch(live, {
      metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": annotation } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "web" }],
            containers: [{ image: "nginx:1.28", name: "web" }],
          },
        },
      },
    });
    expect(out.metadata.annotations).toEqual({ "kubectl.kubernetes.io/last-applied-configuration": annotation });
    expect(out.spec).toMatchObject({ replicas: 3 });
    expect(containersOf(out)).toEqual([{ name: "web", image: "nginx:1.28", ports: [{ containerPort: 80 }] }]);
    expect(live).toEqual(before);
  });

  it("`rollout restart` adds a template annotation", () => {
    const at = "2026-01-01T00:00:00Z";
    const out = patch(deployment(), {
      spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": at } } } },
    });
    expect((out.spec as { template: { metadata: unknown } }).template.metadata).toEqual({
      labels: { app: "web" },
      annotations: { "kubectl.kubernetes.io/restartedAt": at },
    });
  });

  it("`cordon` sets spec.unschedulable on a Node", () => {
    const node: KubeObject = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "pi" },
      spec: { podCIDR: "10.0.0.0/24" },
    };
    const out = applyStrategicMergePatch(node, { spec: { unschedulable: true } }, patchMetaFor("v1", "Node"));
    expect(out.spec).toEqual({ podCIDR: "10.0.0.0/24", unschedulable: true });
  });

  it("client-side apply's removal of a container and of an env var inside another", () => {
    const live = deployment([
      {
        name: "web",
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" },
        ],
      },
      { name: "side", image: "busybox" },
    ]);
    const body = {
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "web" }],
            containers: [
              { "$setElementOrder/env": [{ name: "A" }], env: [{ $patch: "delete", name: "B" }], name: "web" },
              { $patch: "delete", name: "side" },
            ],
          },
        },
      },
    };
    const frozen = JSON.stringify(body);
    const out = patch(live, body);
    expect(containersOf(out)).toEqual([{ name: "web", env: [{ name: "A", value: "1" }] }]);
    expect(JSON.stringify(body)).toBe(frozen);
  });
});

describe("merge keys and directives", () => {
  it("adds a container in the order $setElementOrder gives, keeping server-only ones", () => {
    const live = deployment([{ name: "web" }, { name: "injected" }]);
    const out = patch(live, {
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "sidecar" }, { name: "web" }],
            containers: [{ name: "sidecar", image: "busybox" }],
          },
        },
      },
    });
    expect(containersOf(out).map((c) => c.name)).toEqual(["sidecar", "web", "injected"]);
  });

  it("reorders with $setElementOrder alone", () => {
    const out = patch(deployment([{ name: "a" }, { name: "b" }]), {
      spec: { template: { spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }] } } },
    });
    expect(containersOf(out).map((c) => c.name)).toEqual(["b", "a"]);
  });

  it("deletes a container with $patch: delete", () => {
    const out = patch(deployment([{ name: "web" }, { name: "side" }]), {
      spec: { template: { spec: { containers: [{ name: "side", $patch: "delete" }] } } },
    });
    expect(containersOf(out)).toEqual([{ name: "web" }]);
  });

  it("replaces the env list with $patch: replace, and merges env by name otherwise", () => {
    const live = deployment([
      {
        name: "web",
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" },
        ],
      },
    ]);
    const replaced = patch(live, {
      spec: {
        template: { spec: { containers: [{ name: "web", env: [{ $patch: "replace" }, { name: "C", value: "3" }] }] } },
      },
    });
    expect(containersOf(replaced)[0]?.env).toEqual([{ name: "C", value: "3" }]);
    const merged = patch(live, {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "web",
                env: [
                  { name: "B", value: "two" },
                  { name: "D", value: "4" },
                ],
              },
            ],
          },
        },
      },
    });
    expect(containersOf(merged)[0]?.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "two" },
      { name: "D", value: "4" },
    ]);
  });

  it("merges container ports by containerPort and replaces lists without a key", () => {
    const out = patch(deployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              { name: "web", args: ["-v"], ports: [{ containerPort: 80, name: "http" }, { containerPort: 443 }] },
            ],
            tolerations: [{ key: "y" }],
          },
        },
      },
    });
    expect(containersOf(out)[0]).toEqual({
      name: "web",
      image: "nginx:1.27",
      args: ["-v"],
      ports: [{ containerPort: 80, name: "http" }, { containerPort: 443 }],
    });
    expect((out.spec as { template: { spec: { tolerations: unknown } } }).template.spec.tolerations).toEqual([
      { key: "y" },
    ]);
  });

  it("merges finalizers as a set and honours $deleteFromPrimitiveList", () => {
    const live = deployment();
    live.metadata.finalizers = ["a", "b", "x", "a"];
    const out = patch(live, {
      metadata: { finalizers: ["c", "a"], "$deleteFromPrimitiveList/finalizers": ["b"] },
    });
    // Patch elements in the patch's order, server-only ones after them, duplicates dropped.
    expect(out.metadata.finalizers).toEqual(["c", "a", "x"]);
  });

  it("drops map keys missing from $retainKeys (switching strategy type)", () => {
    const out = patch(deployment(), {
      spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: null } },
    });
    expect((out.spec as { strategy: unknown }).strategy).toEqual({ type: "Recreate" });
  });

  it("replaces a map with $patch: replace and removes it with $patch: delete", () => {
    const replaced = patch(deployment(), {
      spec: { template: { metadata: { labels: { $patch: "replace", v: "2" } } } },
    });
    expect((replaced.spec as { template: { metadata: unknown } }).template.metadata).toEqual({ labels: { v: "2" } });
    const deleted = patch(deployment(), { spec: { strategy: { $patch: "delete" } } });
    expect(deleted.spec).not.toHaveProperty("strategy");
  });

  it("deletes with null and ignores nulls for absent keys", () => {
    const out = patch(deployment(), {
      spec: { strategy: null, paused: null, template: { metadata: { labels: null } } },
    });
    expect(out.spec).not.toHaveProperty("strategy");
    expect(out.spec).not.toHaveProperty("paused");
    expect((out.spec as { template: { metadata: unknown } }).template.metadata).toEqual({});
  });

  it("merges Service ports by port and owner references by uid", () => {
    const svc: KubeObject = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s", ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid: "1" }] },
      spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { app: "web" } },
    };
    const out = applyStrategicMergePatch(
      svc,
      {
        metadata: { ownerReferences: [{ apiVersion: "v1", kind: "Y", name: "y", uid: "2" }] },
        spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] },
      },
      patchMetaFor("v1", "Service"),
    );
    // As upstream: an element new to the list goes before server-only ones when no order is given.
    expect(out.metadata.ownerReferences?.map((o) => o.uid)).toEqual(["2", "1"]);
    expect(out.spec).toEqual({ ports: [{ port: 80, targetPort: 9090 }, { port: 443 }], selector: { app: "web" } });
  });

  it("treats kinds without a table entry like a merge patch (lists replaced)", () => {
    const cr: KubeObject = {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w", finalizers: ["a"] },
      spec: { items: [{ name: "a" }], size: 1 },
    };
    const out = applyStrategicMergePatch(cr, { metadata: { finalizers: ["b"] }, spec: { items: [{ name: "b" }] } });
    expect(out.spec).toEqual({ items: [{ name: "b" }], size: 1 });
    expect(out.metadata.finalizers).toEqual(["b", "a"]);
  });
});

describe("malformed patches", () => {
  const bad = (body: unknown) => {
    try {
      patch(deployment(), body);
    } catch (err) {
      if (err instanceof ApiError) return err;
    }
    throw new Error("expected an ApiError");
  };

  it("answers 400 for missing merge keys, contradictory order, bad retainKeys and unknown directives", () => {
    expect(bad({ spec: { template: { spec: { containers: [{ image: "x" }] } } } }).message).toContain(
      "does not contain declared merge key: name",
    );
    expect(
      bad({
        spec: {
          template: {
            spec: {
              "$setElementOrder/containers": [{ name: "a" }, { name: "b" }],
              containers: [{ name: "b" }, { name: "a" }],
            },
          },
        },
      }).code,
    ).toBe(400);
    expect(bad({ spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } }).message).toBe(
      "invalid patch format of retainKeys",
    );
    expect(bad({ spec: { strategy: { $patch: "explode" } } }).code).toBe(400);
    expect(bad([]).code).toBe(400);
  });
});
