import { describe, expect, it } from "vitest";
import { jsonNestingProblem, MAX_NESTING_DEPTH, nestingProblem } from "./json.ts";

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

describe("jsonNestingProblem", () => {
  it("agrees with the parsed value's depth, brackets inside strings and escapes aside", () => {
    for (const depth of [0, 1, 5, MAX_NESTING_DEPTH, MAX_NESTING_DEPTH + 1, 3000]) {
      const text = JSON.stringify(nested(depth));
      expect(jsonNestingProblem(text)).toBe(nestingProblem(JSON.parse(text)));
    }
    const tricky = JSON.stringify({ a: "[[[{{{", b: 'quote \\" then [{', c: ["]]]}}}"] });
    expect(jsonNestingProblem(tricky, 2)).toBeUndefined();
    expect(jsonNestingProblem(tricky, 1)).toBe("it is nested more than 1 levels deep");
    expect(jsonNestingProblem(`{"a":${"[".repeat(3)}1${"]".repeat(3)}}`, 3)).toBe(
      "it is nested more than 3 levels deep",
    );
    expect(jsonNestingProblem(`{"a":${"[".repeat(3)}1${"]".repeat(3)}}`, 4)).toBeUndefined();
  });
});
