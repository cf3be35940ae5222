import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { WatchReader } from "../../../test/workers/watch-reader.ts";
import { storeClient } from "../../worker/store-client.ts";
import { ok } from "./testing.ts";
import type { ResourceRef } from "./types.ts";

const CORE: ResourceRef = { group: "", version: "v1", plural: "events" };
const VIEW: ResourceRef = { group: "events.k8s.io", version: "v1", plural: "events" };

const coreEvent = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name, namespace: "default" },
  involvedObject: { kind: "Pod", name: "web-0", namespace: "default" },
  reason: "Scheduled",
  message: "assigned",
  type: "Normal",
  count: 1,
});

// Found by the fuzz test's consistency check: events.k8s.io/v1 listed the stored core/v1 Events as
// they were (apiVersion v1, involvedObject, message), which its own schema refuses.
describe("the events.k8s.io view of stored Events", () => {
  it("serves core/v1 Events in the events.k8s.io form, and stores events.k8s.io writes as core/v1", async () => {
    const store = storeClient(env.CLUSTER_STORE, crypto.randomUUID());
    ok(await store.create(CORE, coreEvent("a")));
    const viewed = ok(await store.list(VIEW, { namespace: "default" })).items;
    expect(viewed).toHaveLength(1);
    expect(viewed[0]).toMatchObject({
      apiVersion: "events.k8s.io/v1",
      regarding: { kind: "Pod", name: "web-0" },
      note: "assigned",
      deprecatedCount: 1,
    });
    expect(viewed[0]).not.toHaveProperty("involvedObject");

    const written = ok(
      await store.create(VIEW, {
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        metadata: { name: "b", namespace: "default" },
        regarding: { kind: "Node", name: "pi" },
        note: "ready",
        reason: "NodeReady",
        type: "Normal",
      }),
    );
    expect(written).toMatchObject({ apiVersion: "events.k8s.io/v1", note: "ready" });
    expect(ok(await store.get(CORE, "default", "b"))).toMatchObject({
      apiVersion: "v1",
      involvedObject: { kind: "Node", name: "pi" },
      message: "ready",
    });
    // The first call starts the Durable Object (migrations, controller host): slow on a busy machine.
  }, 20_000);

  it("selects by regarding.* and watches in the events.k8s.io form", async () => {
    const store = storeClient(env.CLUSTER_STORE, crypto.randomUUID());
    const watch = ok(await store.watch(VIEW, { namespace: "default", format: "json", timeoutSeconds: 2 }));
    ok(await store.create(CORE, coreEvent("a")));
    const selected = ok(await store.list(VIEW, { namespace: "default", fieldSelector: "regarding.name=web-0" }));
    expect(selected.items.map((e) => e.metadata.name)).toEqual(["a"]);
    const none = ok(await store.list(VIEW, { namespace: "default", fieldSelector: "regarding.name=other" }));
    expect(none.items).toEqual([]);
    const reader = new WatchReader(watch);
    const [event] = await reader.waitFor(1);
    expect(event?.object).toMatchObject({ apiVersion: "events.k8s.io/v1", regarding: { name: "web-0" } });
    await reader.cancel();
  });
});
