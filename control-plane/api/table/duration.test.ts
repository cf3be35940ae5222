import { describe, expect, it } from "vitest";
import { age, humanDuration, parseTime, shortHumanDuration } from "./duration.ts";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe("humanDuration", () => {
  it.each([
    [-3 * s, "<invalid>"],
    [-2 * s, "<invalid>"],
    [-1999, "0s"],
    [-1 * s, "0s"],
    [-1, "0s"],
    [0, "0s"],
    [999, "0s"],
    [4 * s, "4s"],
    [90 * s, "90s"],
    [119 * s + 999, "119s"],
    [2 * m, "2m"],
    [2 * m + 1 * s, "2m1s"],
    [5 * m + 30 * s, "5m30s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m, "10m"],
    [10 * m + 59 * s, "10m"],
    [45 * m, "45m"],
    [179 * m + 59 * s, "179m"],
    [3 * h, "3h"],
    [3 * h + 40 * m, "3h40m"],
    [7 * h + 59 * m, "7h59m"],
    [8 * h, "8h"],
    [8 * h + 30 * m, "8h"],
    [26 * h, "26h"],
    [47 * h + 59 * m, "47h"],
    [48 * h, "2d"],
    [5 * d + 6 * h, "5d6h"],
    [7 * d + 23 * h, "7d23h"],
    [8 * d, "8d"],
    [8 * d + 5 * h, "8d"],
    [25 * d, "25d"],
    [729 * d, "729d"],
    [2 * y, "2y"],
    [2 * y + 3 * d, "2y3d"],
    [7 * y + 364 * d, "7y364d"],
    [8 * y, "8y"],
    [8 * y + 100 * d, "8y"],
    [20 * y, "20y"],
  ])("%d ms -> %s", (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe("shortHumanDuration", () => {
  it.each([
    [-2 * s, "<invalid>"],
    [-1 * s, "0s"],
    [0, "0s"],
    [59 * s, "59s"],
    [60 * s, "1m"],
    [59 * m + 59 * s, "59m"],
    [60 * m, "1h"],
    [23 * h + 59 * m, "23h"],
    [24 * h, "1d"],
    [364 * d + 23 * h, "364d"],
    [365 * d, "1y"],
    [3 * y + 200 * d, "3y"],
  ])("%d ms -> %s", (ms, want) => {
    expect(shortHumanDuration(ms)).toBe(want);
  });
});

describe("age", () => {
  const now = Date.parse("2025-06-01T12:00:00Z");

  it("formats the time since a timestamp", () => {
    expect(age("2025-06-01T11:59:56Z", now)).toBe("4s");
    expect(age("2025-05-27T06:00:00Z", now)).toBe("5d6h");
  });

  it("reads micro-precision and offset timestamps", () => {
    expect(age("2025-06-01T11:59:50.123456Z", now)).toBe("9s");
    expect(age("2025-06-01T13:00:00+02:00", now)).toBe("60m");
  });

  it("says <unknown> for a missing or unreadable timestamp, as for Go's zero time", () => {
    expect(age(undefined, now)).toBe("<unknown>");
    expect(age(null, now)).toBe("<unknown>");
    expect(age("", now)).toBe("<unknown>");
    expect(age("yesterday", now)).toBe("<unknown>");
    expect(age(12345, now)).toBe("<unknown>");
  });

  it("says <invalid> for a timestamp more than a second in the future", () => {
    expect(age("2025-06-01T12:00:01Z", now)).toBe("0s");
    expect(age("2025-06-01T12:05:00Z", now)).toBe("<invalid>");
  });

  it("parses to undefined when unreadable", () => {
    expect(parseTime("2025-06-01T12:00:00Z")).toBe(now);
    expect(parseTime({})).toBeUndefined();
  });
});
