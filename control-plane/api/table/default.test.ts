import { describe, expect, it } from "vitest";
import { defaultPrinter, rfc3339 } from "./default.ts";
import { DAY, HOUR, NOW, obj } from "./testing.ts";

describe("default printer", () => {
  it("prints the name and the creation time as an RFC 3339 date, whatever the age", () => {
    const old = obj(
      "v1",
      "Endpoints",
      {},
      { name: "web", creationTimestamp: new Date(NOW - 3 * DAY - HOUR).toISOString() },
    );
    expect(defaultPrinter.print(old, NOW).cells).toEqual(["web", "2025-05-29T11:00:00Z"]);
  });

  it("has the Name and Created At (date) columns", () => {
    expect(defaultPrinter.columns).toEqual([
      expect.objectContaining({ name: "Name", type: "string", format: "name", priority: 0 }),
      expect.objectContaining({ name: "Created At", type: "date", format: "", priority: 0 }),
    ]);
  });

  it.each([
    ["2025-06-01T12:00:00Z", "2025-06-01T12:00:00Z"],
    ["2025-06-01T12:00:00.987654Z", "2025-06-01T12:00:00Z"],
    ["2025-06-01T14:00:00+02:00", "2025-06-01T12:00:00Z"],
    [undefined, "0001-01-01T00:00:00Z"],
    ["not a time", "0001-01-01T00:00:00Z"],
  ])("rfc3339(%s) = %s", (input, want) => {
    expect(rfc3339(input)).toBe(want);
  });
});
