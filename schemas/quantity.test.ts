import { describe, expect, it } from "vitest";
import {
  canonicalQuantity,
  compareQuantities,
  milliValue,
  parseQuantity,
  QUANTITY_FORMAT_ERROR,
  QUANTITY_SUFFIX_ERROR,
  type Quantity,
  unitValue,
} from "./quantity.ts";

function q(text: string | number): Quantity {
  const parsed = parseQuantity(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

describe("canonical form", () => {
  it.each([
    ["100m", "100m"],
    ["0.5", "500m"],
    [0.5, "500m"],
    [1, "1"],
    ["1000m", "1"],
    ["1000", "1k"],
    ["1500", "1500"],
    ["128Mi", "128Mi"],
    ["1.5Gi", "1536Mi"],
    ["1024Ki", "1Mi"],
    ["512Ki", "512Ki"],
    ["0.5Ki", "512"],
    ["1e3", "1e3"],
    ["1.5e3", "1500"],
    ["0", "0"],
    ["-100m", "-100m"],
    ["1n", "1n"],
    ["0.1n", "1n"],
    ["2G", "2G"],
  ])("%s -> %s", (input, expected) => {
    expect(canonicalQuantity(input)).toEqual({ value: expected });
  });

  it.each([
    ["", QUANTITY_FORMAT_ERROR],
    ["abc", QUANTITY_FORMAT_ERROR],
    ["1Gb", QUANTITY_FORMAT_ERROR],
    ["1Mm", QUANTITY_SUFFIX_ERROR],
    [".", QUANTITY_FORMAT_ERROR],
  ])("%j is refused", (input, error) => {
    expect(canonicalQuantity(input)).toEqual({ error });
  });
});

describe("arithmetic", () => {
  it("compares across suffixes exactly", () => {
    expect(compareQuantities(q("500m"), q("0.5"))).toBe(0);
    expect(compareQuantities(q("1Gi"), q("1G"))).toBe(1);
    expect(compareQuantities(q("100m"), q("1"))).toBe(-1);
  });

  it("gives milli and unit values rounded up", () => {
    expect(milliValue(q("1.5"))).toBe(1500n);
    expect(milliValue(q("1n"))).toBe(1n);
    expect(unitValue(q("128Mi"))).toBe(134217728n);
  });
});

describe("parsing again", () => {
  it("answers the same quantity (and the same error) for the same text, past the memo's bound too", () => {
    expect(q("128Mi")).toBe(q("128Mi"));
    expect(parseQuantity("12Mn")).toBe(QUANTITY_SUFFIX_ERROR);
    expect(parseQuantity("12Mn")).toBe(QUANTITY_SUFFIX_ERROR);
    // More distinct texts than the memo keeps: each still parses to its own value.
    for (let i = 1; i <= 3000; i++) expect(canonicalQuantity(`${i}m`)).toEqual(canonicalQuantity(`${i / 1000}`));
    expect(canonicalQuantity("3000m")).toEqual({ value: "3" });
    expect(canonicalQuantity("128Mi")).toEqual({ value: "128Mi" });
    expect(canonicalQuantity(0.5)).toEqual({ value: "500m" });
    expect(canonicalQuantity("0.5")).toEqual({ value: "500m" });
    expect(canonicalQuantity("#5")).toEqual({ error: QUANTITY_FORMAT_ERROR });
    expect(canonicalQuantity("#5")).toEqual({ error: QUANTITY_FORMAT_ERROR });
  });
});
