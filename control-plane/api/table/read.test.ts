import { describe, expect, it } from "vitest";
import { int, opt, rec, recs, size, str, stringMap, strs } from "./read.ts";

describe("defensive readers", () => {
  it("read the zero value for anything of the wrong type", () => {
    for (const junk of [undefined, null, 3, "x", [1], true]) {
      expect(rec(junk)).toEqual({});
      expect(opt(junk)).toBeUndefined();
      expect(size(junk)).toBe(0);
      expect(stringMap(junk)).toEqual({});
    }
    for (const junk of [undefined, null, {}, "x"]) {
      expect(recs(junk)).toEqual([]);
      expect(strs(junk)).toEqual([]);
      expect(int(junk)).toBe(0);
    }
    for (const junk of [undefined, null, {}, 3]) expect(str(junk)).toBe("");
    expect(int(Number.NaN)).toBe(0);
    expect(int(Number.POSITIVE_INFINITY)).toBe(0);
  });

  it("keep the well-typed parts", () => {
    expect(recs([{ a: 1 }, null, 2, [3], { b: 2 }])).toEqual([{ a: 1 }, { b: 2 }]);
    expect(strs(["a", 1, "b", null])).toEqual(["a", "b"]);
    expect(int(3.9)).toBe(3);
    expect(int(-3.9)).toBe(-3);
    expect(size({ a: 1, b: 2 })).toBe(2);
    expect(stringMap({ a: "1", b: 2 })).toEqual({ a: "1" });
    expect(opt({})).toEqual({});
  });
});
