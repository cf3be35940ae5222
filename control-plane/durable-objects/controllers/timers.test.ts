// Controller timers in a real store's SQLite: taken when due and not before, the earliest kept
// right through sets, takes and cancels (the host reads it for the object's alarm).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import { storeClient } from "../../worker/store-client.ts";
import { ok } from "../store/testing.ts";
import { Timers } from "./timers.ts";

describe("controller timers", () => {
  it("answers timers when due, once, and the earliest pending one", async () => {
    const cluster = crypto.randomUUID();
    // Starts the store: its migrations make the timers table.
    ok(await storeClient(env.CLUSTER_STORE, cluster).list({ group: "", version: "v1", plural: "namespaces" }, {}));
    const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${cluster}`));
    await runInDurableObject(stub, (_instance, state) => {
      // Far in the future, and one controller of its own: the store's own host never takes these.
      const base = Date.now() + 1e10;
      const mine = (t: Timers, at: number) => t.takeDue(at).filter((d) => d.controller === "test");
      const timers = new Timers(drizzle(state.storage));
      timers.set("test", "b", base + 200);
      timers.set("test", "a", base + 100);
      expect(timers.next()).toBeLessThanOrEqual(base + 100);
      expect(mine(timers, base + 99)).toEqual([]);
      expect(mine(timers, base + 100)).toEqual([{ controller: "test", key: "a" }]);
      expect(mine(timers, base + 100)).toEqual([]);
      // An earlier time wins; a later one leaves the timer as it was.
      timers.set("test", "b", base + 150);
      timers.set("test", "b", base + 500);
      expect(mine(timers, base + 149)).toEqual([]);
      expect(mine(timers, base + 150)).toEqual([{ controller: "test", key: "b" }]);

      timers.set("test", "c", base + 300);
      timers.cancel("test", "c");
      expect(mine(timers, base + 400)).toEqual([]);
      // Another instance over the same table (the object after a restart) sees what is pending.
      timers.set("test", "d", base + 600);
      expect(new Timers(drizzle(state.storage)).next()).toBeLessThanOrEqual(base + 600);
      expect(mine(new Timers(drizzle(state.storage)), base + 600)).toEqual([{ controller: "test", key: "d" }]);
    });
  });
});
