// The GC trace reader: V8's lines as workerd prints them, windowed by the time they arrived.
import { describe, expect, it } from "vitest";
import { GcLog } from "./gc-log.ts";

const FULL =
  "[worker log] [23500:0x51003fcae000]     5079 ms: Mark-Compact 47.2 (51.4) -> 11.5 (28.9) MB, pooled: 22.0 MB, 24.74 / 0.00 ms (average mu = 0.995, current mu = 0.995) allocation limit; GC in old space requested";
const YOUNG =
  "[23500:0x51003fcae000]      100 ms: Scavenge 8.4 (9.4) -> 8.1 (10.2) MB, pooled: 0.0 MB, 0.88 / 0.00 ms (average mu = 1.000, current mu = 1.000) allocation failure; ";

describe("GC log", () => {
  it("counts full collections and adds up every pause within a window", () => {
    let t = 0;
    const gc = new GcLog(() => t);
    t = 1;
    expect(gc.observe(YOUNG)).toBe(true);
    t = 2;
    expect(gc.observe(FULL)).toBe(true);
    t = 3;
    expect(gc.observe(FULL.replace("24.74", "31.50"))).toBe(true);
    t = 10;
    gc.observe(FULL.replace("24.74", "99.00"));
    expect(gc.between(0, 5)).toEqual({ fullGcs: 2, fullGcMaxMs: 31.5, pauseTotalMs: 0.88 + 24.74 + 31.5 });
    expect(gc.between(4, 5)).toEqual({ fullGcs: 0, fullGcMaxMs: 0, pauseTotalMs: 0 });
  });

  it("leaves other lines to the caller", () => {
    const gc = new GcLog();
    expect(gc.observe("[control plane] Issued a server certificate for localhost, 127.0.0.1")).toBe(false);
    expect(gc.observe("GET /api/v1/pods 200 (3 ms)")).toBe(false);
    expect(gc.between(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY).fullGcs).toBe(0);
  });
});
