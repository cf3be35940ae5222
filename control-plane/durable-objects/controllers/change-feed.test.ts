// The host's change feed: it answers changes only when they are exactly what the log holds after
// the cursor, and otherwise sends the host to the log.
import { describe, expect, it } from "vitest";
import type { Change } from "../store/revision-log.ts";
import { ChangeFeed } from "./change-feed.ts";

function change(rv: number): Change {
  const value = { apiVersion: "v1", kind: "Pod", metadata: { name: `p${rv}`, namespace: "default" } };
  return { rv, resource: "pods", namespace: "default", name: `p${rv}`, type: "ADDED", value, prev: null };
}

const revs = (cs: Change[] | undefined) => cs?.map((c) => c.rv);

describe("controller host change feed", () => {
  it("answers the changes after the cursor up to the log's newest, then none", () => {
    const feed = new ChangeFeed();
    feed.add([change(1), change(2)]);
    feed.add([change(3)]);
    expect(revs(feed.take(0, 100, 3))).toEqual([1, 2, 3]);
    expect(revs(feed.take(3, 100, 3))).toEqual([]);
  });

  it("answers at most `limit` changes and keeps the rest for the next take", () => {
    const feed = new ChangeFeed();
    feed.add([change(1), change(2), change(3)]);
    expect(revs(feed.take(0, 2, 3))).toEqual([1, 2]);
    expect(revs(feed.take(2, 2, 3))).toEqual([3]);
  });

  it("lets go of what the cursor already passed", () => {
    const feed = new ChangeFeed();
    feed.add([change(1), change(2), change(3)]);
    expect(revs(feed.take(2, 100, 3))).toEqual([3]);
  });

  it("sends the host to the log when changes are missing before, between or after what it holds", () => {
    const started = new ChangeFeed(); // e.g. after a restart: commits before this instance
    started.add([change(5)]);
    expect(started.take(3, 100, 5)).toBeUndefined();
    // Once the host read the log up to 4, what follows is served again.
    expect(revs(started.take(4, 100, 5))).toEqual([5]);

    const gap = new ChangeFeed();
    gap.add([change(1), change(3)]);
    expect(gap.take(0, 100, 3)).toBeUndefined();

    const behind = new ChangeFeed(); // the log has a change the feed was never handed
    behind.add([change(1)]);
    expect(behind.take(0, 100, 2)).toBeUndefined();
  });

  it("lets go of everything when it would hold too much, and the log serves", () => {
    const feed = new ChangeFeed();
    feed.add(Array.from({ length: 6_000 }, (_, i) => change(i + 1)));
    feed.add(Array.from({ length: 6_000 }, (_, i) => change(6_001 + i)));
    expect(feed.take(0, 100, 12_000)).toBeUndefined();
  });
});
