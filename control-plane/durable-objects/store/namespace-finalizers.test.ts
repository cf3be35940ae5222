import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeClient } from "../../worker/store-client.ts";
import { ok } from "./testing.ts";
import type { ResourceRef } from "./types.ts";

const NS: ResourceRef = { group: "", version: "v1", plural: "namespaces" };
const CMS: ResourceRef = { group: "", version: "v1", plural: "configmaps" };

// Found by the fuzz test: a PUT of a Namespace without spec dropped its "kubernetes" finalizer, so
// its DELETE removed it at once and left its ConfigMaps stored in a namespace that did not exist.
describe("a Namespace's spec.finalizers through the store's API", () => {
  it("keeps the stored finalizers on an update that leaves them out or changes them", async () => {
    const store = storeClient(env.CLUSTER_STORE, crypto.randomUUID());
    ok(
      await store.create(NS, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "team" },
        spec: { finalizers: ["kubernetes"] },
      }),
    );
    ok(await store.create(CMS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "team" } }));
    const bare = ok(await store.update(NS, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } }));
    expect(bare.spec).toEqual({ finalizers: ["kubernetes"] });
    const changed = ok(
      await store.update(NS, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "team" },
        spec: { finalizers: ["example.com/x"] },
      }),
    );
    expect(changed.spec).toEqual({ finalizers: ["kubernetes"] });
    const deleted = ok(await store.delete(NS, "", "team"));
    expect(deleted.deleted).toBe(false);
    expect(deleted.object.metadata.deletionTimestamp).toBeDefined();
    // The first call starts the Durable Object (migrations, controller host): slow on a busy machine.
  }, 20_000);
});
