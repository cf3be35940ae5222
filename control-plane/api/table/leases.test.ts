import { describe, expect, it } from "vitest";
import { leasePrinter } from "./leases.ts";
import { NOW, obj } from "./testing.ts";

describe("lease printer", () => {
  it.each([
    [{ spec: { holderIdentity: "pi-1", leaseDurationSeconds: 40 } }, ["x", "pi-1", "5m"]],
    [{ spec: {} }, ["x", "", "5m"]],
    [{}, ["x", "", "5m"]],
  ])("%j", (fields, cells) => {
    expect(leasePrinter.print(obj("coordination.k8s.io/v1", "Lease", fields), NOW).cells).toEqual(cells);
  });

  it("has upstream's columns", () => {
    expect(leasePrinter.columns.map((c) => c.name)).toEqual(["Name", "Holder", "Age"]);
  });
});
