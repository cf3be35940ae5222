import { describe, expect, it } from "vitest";
import { runtimeClassPrinter } from "./runtimeclasses.ts";
import { NOW, obj } from "./testing.ts";

describe("runtimeclass printer", () => {
  it.each([
    [{ handler: "wasm" }, ["x", "wasm", "5m"]],
    [{ handler: "runc" }, ["x", "runc", "5m"]],
    [{}, ["x", "", "5m"]],
  ])("%j", (fields, cells) => {
    expect(runtimeClassPrinter.print(obj("node.k8s.io/v1", "RuntimeClass", fields), NOW).cells).toEqual(cells);
  });

  it("has upstream's columns", () => {
    expect(runtimeClassPrinter.columns.map((c) => c.name)).toEqual(["Name", "Handler", "Age"]);
  });
});
