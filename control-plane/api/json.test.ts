import { describe, expect, it } from "vitest";
import { MAX_NESTING_DEPTH, nestingProblem } from "./json.ts";

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

describe("nestingProblem", () => {
  it("accepts scalars, ordinary objects and nesting up to the limit", () => {
    expect(nestingProblem(1)).toBeUndefined();
    expect(nestingProblem({ metadata: { name: "x" }, spec: { containers: [{ name: "c" }] } })).toBeUndefined();
    expect(nestingProblem(nested(MAX_NESTING_DEPTH))).toBeUndefined();
  });

  it("refuses nesting past the limit without overflowing the stack itself", () => {
    expect(nestingProblem(nested(MAX_NESTING_DEPTH + 1))).toBe("it is nested more than 1000 levels deep");
    expect(nestingProblem(nested(200_000))).toBe("it is nested more than 1000 levels deep");
  });

  it("refuses cycles (a YAML alias inside the node it names) and accepts shared values", () => {
    const cyclic: unknown[] = [];
    cyclic.push({ back: cyclic });
    expect(nestingProblem({ a: cyclic })).toMatch(/refers to itself/);
    const shared = { x: 1 };
    expect(nestingProblem({ a: shared, b: [shared, shared] })).toBeUndefined();
  });
});
