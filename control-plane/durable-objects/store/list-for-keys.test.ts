// The lists controllers map changes with (StoreCore.listForKeys) inside a real store: a write of
// the resource shows at once, and a write that rolled back never shows.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { resourceFor } from "../../../schemas/registry.ts";
import { storeClient } from "../../worker/store-client.ts";
import type { StoreCore } from "./store-core.ts";
import { ok } from "./testing.ts";
import type { ResourceRef } from "./types.ts";

const SVC: ResourceRef = { group: "", version: "v1", plural: "services" };
const NAMESPACES: ResourceRef = { group: "", version: "v1", plural: "namespaces" };
const services = resourceFor("", "v1", "services")!;

const service = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "shop" },
  spec: { selector: { app: name }, ports: [{ port: 80 }] },
});

describe("listForKeys", () => {
  it("shows every committed write of the resource and none that rolled back", async () => {
    const cluster = crypto.randomUUID();
    const store = storeClient(env.CLUSTER_STORE, cluster);
    ok(await store.create(NAMESPACES, { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } }));
    ok(await store.create(SVC, service("a")));
    const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${cluster}`));
    const names = () =>
      runInDurableObject(stub, (instance) => {
        const core = (instance as unknown as { core: StoreCore }).core;
        return core.listForKeys(services, "shop").map((s) => s.metadata.name);
      });
    expect(await names()).toEqual(["a"]);
    ok(await store.create(SVC, service("b")));
    expect(await names()).toEqual(["a", "b"]);
    ok(await store.delete(SVC, "shop", "a", {}));
    expect(await names()).toEqual(["b"]);

    // A transaction that creates a Service, lists (so the memo loads it), then fails.
    const seenInside = await runInDurableObject(stub, (instance) => {
      const core = (instance as unknown as { core: StoreCore }).core;
      let inside: (string | undefined)[] = [];
      try {
        core.batch(() => {
          core.create(services, service("c"), {});
          inside = core.listForKeys(services, "shop").map((s) => s.metadata.name);
          throw new Error("roll back");
        });
      } catch {
        // expected
      }
      return inside;
    });
    expect(seenInside).toEqual(["b", "c"]);
    expect(await names()).toEqual(["b"]);
  });
});
