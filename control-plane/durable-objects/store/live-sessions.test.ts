import { describe, expect, it } from "vitest";
import { LiveSessions } from "./live-sessions.ts";

describe("live node sessions", () => {
  it("counts a session live for the ttl after its last call, and says when one comes back", () => {
    const s = new LiveSessions(30_000);
    expect(s.heard("a", 1_000)).toBe(true);
    expect(s.heard("a", 20_000)).toBe(false);
    expect(s.isLive("a", 50_000)).toBe(true);
    expect(s.isLive("a", 50_001)).toBe(false);
    // Silent past the ttl: the next call is a return, and the store pokes it to catch up.
    expect(s.heard("a", 60_000)).toBe(true);
  });

  it("filters the nodes worth a poke, and lists every live one (forgetting the stale)", () => {
    const s = new LiveSessions(10_000);
    s.heard("a", 0);
    s.heard("b", 8_000);
    expect(s.live(12_000, ["a", "b", "never-connected"])).toEqual(["b"]);
    expect(s.live(12_000)).toEqual(["b"]);
    s.forget("b");
    expect(s.live(12_000)).toEqual([]);
    expect(s.heard("a", 12_000)).toBe(true);
  });
});
