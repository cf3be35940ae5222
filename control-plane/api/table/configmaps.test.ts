import { describe, expect, it } from "vitest";
import { configMapPrinter } from "./configmaps.ts";
import { NOW, obj } from "./testing.ts";

describe("configmap printer", () => {
  it.each([
    [{ data: { a: "1", b: "2" }, binaryData: { c: "AA==" } }, 3],
    [{ data: { a: "1" } }, 1],
    [{}, 0],
    [{ data: "junk" }, 0],
  ])("%j has %d keys", (fields, count) => {
    expect(configMapPrinter.print(obj("v1", "ConfigMap", fields), NOW).cells).toEqual(["x", count, "5m"]);
  });

  it("has upstream's columns", () => {
    expect(configMapPrinter.columns.map((c) => c.name)).toEqual(["Name", "Data", "Age"]);
  });
});
