import { describe, expect, it } from "vitest";
import { rfc3339 } from "./time.ts";

describe("rfc3339", () => {
  it("writes whole seconds in UTC, and each second's own text", () => {
    const t = Date.UTC(2026, 10, 26, 13, 45, 7, 0);
    expect(rfc3339(t)).toBe("2026-11-26T13:45:07Z");
    expect(rfc3339(t + 999)).toBe("2026-11-26T13:45:07Z");
    expect(rfc3339(t + 1000)).toBe("2026-11-26T13:45:08Z");
    expect(rfc3339(t - 1)).toBe("2026-11-26T13:45:06Z");
    expect(rfc3339(0)).toBe("1970-01-01T00:00:00Z");
    expect(() => rfc3339(Number.NaN)).toThrow(RangeError);
  });
});
