// The host's cursor on a hand-driven clock: saved at once after a quiet interval, at most once per
// interval under a stream of runs, and the last position always saved in the end.
import { describe, expect, it } from "vitest";
import { type Clock, SavedCursor } from "./saved-cursor.ts";

class ManualClock implements Clock {
  t = 0;
  private due: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  later(fn: () => void, ms: number): () => void {
    const entry = { at: this.t + ms, fn, live: true };
    this.due.push(entry);
    return () => {
      entry.live = false;
    };
  }
  advance(ms: number): void {
    this.t += ms;
    const ready = this.due.filter((d) => d.live && d.at <= this.t);
    this.due = this.due.filter((d) => d.live && d.at > this.t);
    for (const d of ready) d.fn();
  }
}

function setUp(initial: number) {
  const saves: number[] = [];
  let loads = 0;
  const clock = new ManualClock();
  const storage = {
    load: () => {
      loads++;
      return initial;
    },
    save: (at: number) => saves.push(at),
  };
  return { cursor: new SavedCursor(storage, 1000, clock), clock, saves, loads: () => loads };
}

describe("the controller host's saved cursor", () => {
  it("reads storage once and answers the position it was last given", () => {
    const { cursor, loads } = setUp(7);
    expect(cursor.get()).toBe(7);
    cursor.advance(9);
    expect(cursor.get()).toBe(9);
    expect(cursor.get()).toBe(9);
    expect(loads()).toBe(1);
  });

  it("saves the first move at once, then at most once per interval, ending with the last position", () => {
    const { cursor, clock, saves } = setUp(0);
    cursor.get();
    cursor.advance(1);
    expect(saves).toEqual([1]);
    for (let rv = 2; rv <= 50; rv++) {
      clock.advance(10);
      cursor.advance(rv);
    }
    // 490 ms in: nothing more written yet; the position is waiting for the interval to end.
    expect(saves).toEqual([1]);
    clock.advance(510);
    expect(saves).toEqual([1, 50]);
    // Nothing moved since: no write.
    clock.advance(5000);
    cursor.advance(50);
    expect(saves).toEqual([1, 50]);
  });

  it("does not save a position it already saved, nor after it is stopped", () => {
    const { cursor, clock, saves } = setUp(3);
    cursor.get();
    cursor.advance(3);
    expect(saves).toEqual([]);
    cursor.advance(4);
    clock.advance(100);
    cursor.advance(5);
    cursor.stop();
    clock.advance(2000);
    expect(saves).toEqual([4]);
  });
});
