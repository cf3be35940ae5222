import { describe, expect, it } from "vitest";
import type { PodTemplateSpec } from "../../../schemas/core/pod-spec.ts";
import { equalIgnoreHash, podTemplateHash } from "./hash.ts";

const template: PodTemplateSpec = {
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
};

describe("podTemplateHash", () => {
  it("is stable across runs and key order, in upstream's safe alphabet", () => {
    const reordered: PodTemplateSpec = {
      spec: { containers: [{ image: "nginx:1.27", name: "web" }] },
      metadata: { labels: { app: "web" } },
    };
    expect(podTemplateHash(template)).toBe(podTemplateHash(reordered));
    // A golden value: a change here renames every ReplicaSet (and rolls every Deployment's pods).
    expect(podTemplateHash(template)).toMatchInlineSnapshot(`"6c8d7489d5"`);
    expect(podTemplateHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it("changes with the template and with the collision count", () => {
    const other = { ...template, spec: { containers: [{ name: "web", image: "nginx:1.28" }] } };
    expect(podTemplateHash(other)).not.toBe(podTemplateHash(template));
    expect(podTemplateHash(template, 1)).not.toBe(podTemplateHash(template));
    expect(podTemplateHash(template, 1)).not.toBe(podTemplateHash(template, 2));
  });

  it("ignores the pod-template-hash label itself", () => {
    const labelled = { ...template, metadata: { labels: { app: "web", "pod-template-hash": "abc" } } };
    expect(podTemplateHash(labelled)).toBe(podTemplateHash(template));
  });
});

describe("equalIgnoreHash", () => {
  it.each([
    ["the hash label", { ...template, metadata: { labels: { app: "web", "pod-template-hash": "x" } } }, true],
    ["an empty list where the other has none", { ...template, spec: { ...template.spec, volumes: [] } }, true],
    ["an image", { ...template, spec: { containers: [{ name: "web", image: "nginx:1.28" }] } }, false],
    [
      "a template annotation (rollout restart)",
      {
        ...template,
        metadata: { labels: { app: "web" }, annotations: { "kubectl.kubernetes.io/restartedAt": "now" } },
      },
      false,
    ],
  ])("%s", (_name, other, equal) => {
    expect(equalIgnoreHash(template, other as PodTemplateSpec)).toBe(equal);
  });
});
