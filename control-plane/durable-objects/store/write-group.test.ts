// The group commit's rules, against a store that records its transactions and a commit the test
// completes by hand: alone when idle, grouped behind a commit in flight, failures one by one.
import { describe, expect, it } from "vitest";
import { type GroupedStore, WriteGroup } from "./write-group.ts";

class RecordingStore implements GroupedStore {
  /** The writes each committed transaction holds, by their labels. */
  readonly transactions: string[][] = [];
  /** Transactions undone because something in them threw (they leave nothing). */
  rolledBack = 0;
  failBatch = false;
  private current: string[] | undefined;

  batch<T>(fn: () => T): T {
    if (this.failBatch) throw new Error("disk full");
    this.current = [];
    try {
      const result = fn();
      this.transactions.push(this.current);
      return result;
    } catch (err) {
      this.rolledBack++;
      throw err;
    } finally {
      this.current = undefined;
    }
  }

  /** How many writes ran in a savepoint of their own. */
  savepoints = 0;

  isolated<T>(fn: () => T): T {
    this.savepoints++;
    const mark = this.current?.length ?? 0;
    try {
      return fn();
    } catch (err) {
      // Undone alone: what it wrote leaves its transaction.
      this.current?.splice(mark);
      throw err;
    }
  }

  write(label: string): string {
    this.current?.push(label);
    return label;
  }
}

/** A commit the test completes (or fails) when it chooses. */
function commits() {
  const pending: { resolve: () => void; reject: (err: Error) => void }[] = [];
  return {
    durable: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
    complete: () => pending.shift()?.resolve(),
    fail: (err: Error) => pending.shift()?.reject(err),
    get inFlight() {
      return pending.length;
    },
  };
}

/** Lets promise callbacks run (the commit's completion is one). */
const settle = () => new Promise<void>((r) => setTimeout(r, 0));

describe("WriteGroup", () => {
  it("runs a write at once when no commit is in flight, and answers it", async () => {
    const store = new RecordingStore();
    const c = commits();
    const group = new WriteGroup(() => store, c.durable);
    const answer = group.submit(() => store.write("a"));
    // Ran inside submit: nothing waited for a timer.
    expect(store.transactions).toEqual([["a"]]);
    expect(await answer).toBe("a");
    expect(c.inFlight).toBe(1);
    // Alone in its transaction, it needs no savepoint of its own.
    expect(store.savepoints).toBe(0);
  });

  it("fails a lone write with its own error, and runs the next one", async () => {
    const store = new RecordingStore();
    const c = commits();
    const group = new WriteGroup(() => store, c.durable);
    await expect(
      group.submit<string>(() => {
        throw new Error("already exists");
      }),
    ).rejects.toThrow("already exists");
    c.complete();
    await settle();
    expect(await group.submit(() => store.write("b"))).toBe("b");
  });

  it("holds writes that arrive during a commit and runs them together once it is done", async () => {
    const store = new RecordingStore();
    const c = commits();
    const group = new WriteGroup(() => store, c.durable);
    const first = group.submit(() => store.write("a"));
    const held = [group.submit(() => store.write("b")), group.submit(() => store.write("c"))];
    expect(store.transactions).toEqual([["a"]]);
    c.complete();
    await settle();
    expect(store.transactions).toEqual([["a"], ["b", "c"]]);
    expect(await first).toBe("a");
    expect(await Promise.all(held)).toEqual(["b", "c"]);
    // The group's own commit is awaited before the next group forms.
    const later = group.submit(() => store.write("d"));
    expect(store.transactions).toHaveLength(2);
    c.complete();
    await settle();
    expect(store.transactions).toEqual([["a"], ["b", "c"], ["d"]]);
    expect(await later).toBe("d");
  });

  it("fails a write alone: the others in its group are answered", async () => {
    const store = new RecordingStore();
    const c = commits();
    const group = new WriteGroup(() => store, c.durable);
    void group.submit(() => store.write("a"));
    const ok1 = group.submit(() => store.write("b"));
    const bad = group.submit<string>(() => {
      throw new Error("already exists");
    });
    const ok2 = group.submit(() => store.write("c"));
    c.complete();
    await expect(bad).rejects.toThrow("already exists");
    expect(await ok1).toBe("b");
    expect(await ok2).toBe("c");
    // Tried first without savepoints; the failure undid that attempt, and the group ran again with
    // a savepoint per write.
    expect(store.transactions).toEqual([["a"], ["b", "c"]]);
    expect(store.rolledBack).toBe(1);
    expect(store.savepoints).toBe(3);
  });

  it("runs a group in which no write fails without a savepoint per write", async () => {
    const store = new RecordingStore();
    const c = commits();
    const group = new WriteGroup(() => store, c.durable);
    void group.submit(() => store.write("a"));
    const held = ["b", "c", "d"].map((l) => group.submit(() => store.write(l)));
    c.complete();
    expect(await Promise.all(held)).toEqual(["b", "c", "d"]);
    expect(store.transactions).toEqual([["a"], ["b", "c", "d"]]);
    expect(store.savepoints).toBe(0);
    expect(store.rolledBack).toBe(0);
  });

  it("fails every write of a group whose transaction fails", async () => {
    const store = new RecordingStore();
    const c = commits();
    const group = new WriteGroup(() => store, c.durable);
    void group.submit(() => store.write("a"));
    const held = [group.submit(() => store.write("b")), group.submit(() => store.write("c"))];
    store.failBatch = true;
    c.complete();
    for (const h of held) await expect(h).rejects.toThrow("disk full");
    // The group carries on once the storage works again.
    store.failBatch = false;
    c.complete();
    await settle();
    expect(await group.submit(() => store.write("d"))).toBe("d");
  });

  it("fails the waiting writes when the commit in flight fails", async () => {
    const store = new RecordingStore();
    const c = commits();
    const group = new WriteGroup(() => store, c.durable);
    void group.submit(() => store.write("a"));
    const held = group.submit(() => store.write("b"));
    c.fail(new Error("storage broken"));
    await expect(held).rejects.toThrow("storage broken");
    expect(store.transactions).toEqual([["a"]]);
  });
});
