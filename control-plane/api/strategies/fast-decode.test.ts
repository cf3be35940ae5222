// The fast decode must never disagree with zod: whatever it accepts, zod accepts and decodes into the
// same object, key order included (what a client wrote comes back as it wrote it). Checked on the
// fuzzer's valid seeds and thousands of their mutations, for every kind's schema.
import { describe, expect, it } from "vitest";
import { resourceForKind } from "../../../schemas/registry.ts";
import { mutate } from "../../../test/workers/fuzz/mutate.ts";
import { Rng } from "../../../test/workers/fuzz/prng.ts";
import { SEEDS } from "../../../test/workers/fuzz/seeds.ts";
import { dropNulls } from "./decode.ts";
import { fastDecode } from "./fast-decode.ts";
import { strategyFor } from "./index.ts";

function schemaOf(apiVersion: string, kind: string) {
  const rt = resourceForKind(apiVersion, kind);
  if (!rt) throw new Error(`no resource for ${apiVersion}/${kind}`);
  return strategyFor(rt).schema;
}

describe("fastDecode", () => {
  it("decodes every valid seed as zod does, key order included", () => {
    for (const seed of SEEDS) {
      const schema = schemaOf(String(seed.object.apiVersion), seed.kind);
      const fast = fastDecode(schema, dropNulls(seed.object));
      expect(fast, seed.kind).toBeDefined();
      expect(JSON.stringify(fast?.value)).toBe(JSON.stringify(schema.parse(dropNulls(seed.object))));
    }
  });

  it("fills in defaults, keeps the schema's order and transforms leaves as zod does", () => {
    const schema = schemaOf("v1", "Pod");
    const body = {
      spec: {
        containers: [{ resources: { limits: { cpu: "0.5", memory: 1024 } }, image: "x", name: "c" }],
      },
      metadata: { labels: { b: "2", a: "1" }, name: "p" },
    };
    const fast = fastDecode(schema, body);
    const zod = schema.parse(body);
    expect(JSON.stringify(fast?.value)).toBe(JSON.stringify(zod));
    // apiVersion and kind are filled in first; quantities come out canonical ("0.5" -> "500m").
    expect(Object.keys(fast?.value as object)).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    expect(JSON.stringify(fast?.value)).toContain('"cpu":"500m"');
  });

  it("leaves to zod a body with an unknown field or a wrong type anywhere", () => {
    const schema = schemaOf("v1", "Pod");
    const unknownField = {
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", image: "x", imagePullPolicyy: "Always" }] },
    };
    const wrongType = { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: 5 }] } };
    const badQuantity = {
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", resources: { limits: { cpu: "lots" } } }] },
    };
    const prototypeKey = JSON.parse('{"metadata":{"name":"p","labels":{"__proto__":"x"}}}');
    for (const body of [unknownField, wrongType, badQuantity, prototypeKey])
      expect(fastDecode(schema, body)).toBeUndefined();
  });

  it("never accepts what zod refuses, nor decodes differently, over thousands of mutated bodies", () => {
    const rng = new Rng(20261127);
    let accepted = 0;
    let total = 0;
    for (let round = 0; round < 600; round++) {
      for (const seed of SEEDS) {
        const schema = schemaOf(String(seed.object.apiVersion), seed.kind);
        const body = dropNulls(mutate(rng, seed.object));
        const fast = fastDecode(schema, body);
        total++;
        if (!fast) continue;
        accepted++;
        const zod = schema.safeParse(body);
        expect(zod.success, JSON.stringify(body)).toBe(true);
        expect(JSON.stringify(fast.value)).toBe(JSON.stringify(zod.data));
      }
    }
    // The comparison means something only if the fast path took a fair share of the bodies.
    expect(accepted).toBeGreaterThan(total / 10);
  });
});
