import { describe, expect, it } from "vitest";
import { secretPrinter } from "./secrets.ts";
import { NOW, obj } from "./testing.ts";

describe("secret printer", () => {
  it.each([
    [{ type: "Opaque", data: { user: "YQ==", pass: "Yg==" } }, ["x", "Opaque", 2, "5m"]],
    [{ type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } }, ["x", "kubernetes.io/tls", 2, "5m"]],
    [{ type: "kubernetes.io/service-account-token" }, ["x", "kubernetes.io/service-account-token", 0, "5m"]],
    [{}, ["x", "", 0, "5m"]],
  ])("%j", (fields, cells) => {
    expect(secretPrinter.print(obj("v1", "Secret", fields), NOW).cells).toEqual(cells);
  });

  it("has upstream's columns", () => {
    expect(secretPrinter.columns.map((c) => c.name)).toEqual(["Name", "Type", "Data", "Age"]);
  });
});
