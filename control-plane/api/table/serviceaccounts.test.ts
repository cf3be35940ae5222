import { describe, expect, it } from "vitest";
import { serviceAccountPrinter } from "./serviceaccounts.ts";
import { NOW, obj } from "./testing.ts";

describe("serviceaccount printer", () => {
  it("prints name and age only, as 1.35 does (no SECRETS count)", () => {
    const sa = obj("v1", "ServiceAccount", { secrets: [{ name: "legacy-token" }] }, { name: "default" });
    expect(serviceAccountPrinter.print(sa, NOW).cells).toEqual(["default", "5m"]);
    expect(serviceAccountPrinter.columns.map((c) => c.name)).toEqual(["Name", "Age"]);
  });
});
