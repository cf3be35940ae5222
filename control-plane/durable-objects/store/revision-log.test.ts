// The revision after a restart is derived from what SQLite holds (no counter is written per
// change): the newest change, or the revision compaction reached once the log is empty, or the
// counter a store from an earlier build kept.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import { storeClient } from "../../worker/store-client.ts";
import { RevisionLog } from "./revision-log.ts";
import { ok } from "./testing.ts";

describe("the revision log after a restart", () => {
  it("starts from the last write's revision, whether the log holds it or compaction removed it", async () => {
    const cluster = crypto.randomUUID();
    const s = storeClient(env.CLUSTER_STORE, cluster);
    const cms = { group: "", version: "v1", plural: "configmaps" };
    for (const name of ["a", "b", "c"]) {
      ok(await s.create(cms, { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } }));
    }
    const last = await s.revision();
    const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${cluster}`));
    await runInDurableObject(stub, (_instance, state) => {
      const db = drizzle(state.storage);
      expect(new RevisionLog(db, state.storage.sql).currentRevision()).toBe(last);
      // Every change compacted away: the revision is where compaction got to.
      const log = new RevisionLog(db, state.storage.sql);
      expect(log.compact(Date.now() + 60_000)).toBe(last);
      expect(state.storage.sql.exec("SELECT count(*) AS n FROM changes").one().n).toBe(0);
      expect(new RevisionLog(db, state.storage.sql).currentRevision()).toBe(last);
      // A counter from an earlier build that is ahead of both still counts.
      state.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('revision', ?)", last + 10);
      expect(new RevisionLog(db, state.storage.sql).currentRevision()).toBe(last + 10);
    });
  });
});
