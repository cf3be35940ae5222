import { describe, expect, it } from "vitest";
import { deploymentSchema } from "./apps/deployment.ts";
import { podSchema } from "./core/pod.ts";
import { str, struct } from "./kit.ts";
import { componentSchemas, type OpenApiSchema } from "./openapi-schema.ts";

const refTo = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });

function props(schema: OpenApiSchema | undefined): Record<string, OpenApiSchema> {
  return (schema?.properties ?? {}) as Record<string, OpenApiSchema>;
}

describe("componentSchemas", () => {
  const components = componentSchemas([
    { group: "", version: "v1", kind: "Pod", schema: podSchema },
    { group: "apps", version: "v1", kind: "Deployment", schema: deploymentSchema },
  ]);

  it("tags each kind with its group, version and kind, as clients look kinds up", () => {
    expect(components.Pod?.["x-kubernetes-group-version-kind"]).toEqual([{ group: "", kind: "Pod", version: "v1" }]);
    expect(components.Deployment?.["x-kubernetes-group-version-kind"]).toEqual([
      { group: "apps", kind: "Deployment", version: "v1" },
    ]);
    // A struct that is not a kind is not tagged.
    expect(components.PodSpec?.["x-kubernetes-group-version-kind"]).toBeUndefined();
  });

  it("names each struct a component and refers to it from its fields", () => {
    expect(props(components.Pod).spec).toEqual(refTo("PodSpec"));
    expect(props(components.Pod).metadata).toEqual(refTo("ObjectMeta"));
    expect(props(components.PodSpec).containers).toEqual({ type: "array", items: refTo("Container") });
    expect(props(components.Container).image).toEqual({ type: "string" });
    expect(props(components.DeploymentSpec).replicas).toEqual({ type: "integer", format: "int32" });
    expect(props(components.ObjectMeta).labels).toEqual({ type: "object", additionalProperties: { type: "string" } });
  });

  it("gives quantities, int-or-strings and times their upstream component names", () => {
    expect(props(components.ResourceRequirements).limits).toEqual({
      type: "object",
      additionalProperties: refTo("io.k8s.apimachinery.pkg.api.resource.Quantity"),
    });
    expect(props(components.RollingUpdateDeployment).maxSurge).toEqual(
      refTo("io.k8s.apimachinery.pkg.util.intstr.IntOrString"),
    );
    expect(components["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]).toMatchObject({
      "x-kubernetes-int-or-string": true,
    });
    expect(props(components.ObjectMeta).creationTimestamp).toEqual(refTo("io.k8s.apimachinery.pkg.apis.meta.v1.Time"));
  });

  it("leaves no reference dangling", () => {
    const refs = JSON.stringify(components).match(/#\/components\/schemas\/[^"]+/g) ?? [];
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of refs) expect(components, ref).toHaveProperty([ref.slice("#/components/schemas/".length)]);
  });

  it("refuses two different structs of one name in one document", () => {
    const a = struct("Thing", { a: str });
    const b = struct("Thing", { b: str });
    const kindA = struct("A", { thing: a });
    const kindB = struct("B", { thing: b });
    expect(() =>
      componentSchemas([
        { group: "x", version: "v1", kind: "A", schema: kindA },
        { group: "x", version: "v1", kind: "B", schema: kindB },
      ]),
    ).toThrow("two structs named Thing in one OpenAPI document");
  });
});
