import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { storeClient } from "../../worker/store-client.ts";
import type { ResourceRef, StoreResult } from "./types.ts";

const SVC: ResourceRef = { group: "", version: "v1", plural: "services" };

function ok<T>(r: StoreResult<T>): T {
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r.status)}`);
  return r.value;
}

const service = (name: string, clusterIP?: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { ports: [{ port: 80 }], ...(clusterIP ? { clusterIP } : {}) },
});

// Found by the fuzz test: a dry-run create reserved its ClusterIP for good (no Service held it).
describe("ClusterIP allocation", () => {
  it("reserves nothing for a dry run, and exactly the addresses of stored Services", async () => {
    const cluster = crypto.randomUUID();
    const store = storeClient(env.CLUSTER_STORE, cluster);
    const dry = ok(await store.create(SVC, service("a", "10.43.0.50"), { dryRun: true }));
    expect(dry.spec).toMatchObject({ clusterIP: "10.43.0.50" });
    ok(await store.create(SVC, service("b"), { dryRun: true }));
    const real = ok(await store.create(SVC, service("c", "10.43.0.50")));
    expect(real.spec).toMatchObject({ clusterIP: "10.43.0.50", clusterIPs: ["10.43.0.50"] });
    const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(cluster));
    const held = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql
        .exec<{ value: string }>("SELECT value FROM allocations WHERE pool = 'cluster-ip' ORDER BY value")
        .toArray()
        .map((r) => r.value),
    );
    expect(held).toEqual(["10.43.0.1", "10.43.0.50"]);
    // The first call starts the Durable Object (migrations, controller host): slow on a busy machine.
  }, 20_000);
});
