import { describe, expect, it } from "vitest";
import { namespacePrinter } from "./namespaces.ts";
import { NOW, obj } from "./testing.ts";

describe("namespace printer", () => {
  it.each([
    [{ status: { phase: "Active" } }, ["x", "Active", "5m"]],
    [{ status: { phase: "Terminating" } }, ["x", "Terminating", "5m"]],
    [{}, ["x", "", "5m"]],
  ])("%j", (fields, cells) => {
    expect(namespacePrinter.print(obj("v1", "Namespace", fields), NOW).cells).toEqual(cells);
  });

  it("has upstream's columns", () => {
    expect(namespacePrinter.columns.map((c) => c.name)).toEqual(["Name", "Status", "Age"]);
  });
});
