import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { storeClient } from "../../worker/store-client.ts";
import { ok } from "./testing.ts";
import type { ResourceRef } from "./types.ts";

const SVC: ResourceRef = { group: "", version: "v1", plural: "services" };

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
    const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${cluster}`));
    const held = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql
        .exec<{ value: string }>("SELECT value FROM allocations WHERE pool = 'cluster-ip' ORDER BY value")
        .toArray()
        .map((r) => r.value),
    );
    expect(held).toEqual(["10.43.0.1", "10.43.0.10", "10.43.0.50"]);
    // The first call starts the Durable Object (migrations, controller host): slow on a busy machine.
  }, 20_000);

  // Found while fixing the above: type changes left addresses held by no Service, or Services
  // with addresses nobody held (even the `kubernetes` Service's).
  it("gives the address back on a change to ExternalName and assigns one on a change from it", async () => {
    const cluster = crypto.randomUUID();
    const store = storeClient(env.CLUSTER_STORE, cluster);
    const held = () =>
      runInDurableObject(env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${cluster}`)), (_i, state) =>
        state.storage.sql
          .exec<{ value: string }>("SELECT value FROM allocations WHERE pool = 'cluster-ip' ORDER BY value")
          .toArray()
          .map((r) => r.value),
      );
    ok(await store.create(SVC, service("a", "10.43.0.60")));
    const external = { ...service("a"), spec: { type: "ExternalName", externalName: "db.example.com" } };
    const moved = ok(await store.update(SVC, external));
    expect(moved.spec).not.toHaveProperty("clusterIP");
    expect(await held()).toEqual(["10.43.0.1", "10.43.0.10"]);
    const refused = await store.update(SVC, service("a", "10.43.0.1"));
    expect(refused).toMatchObject({ ok: false, status: { code: 422 } });
    const back = ok(await store.update(SVC, service("a")));
    const ip = (back.spec as { clusterIP?: string }).clusterIP;
    expect(ip).toMatch(/^10\.43\./);
    expect(await held()).toEqual(["10.43.0.1", "10.43.0.10", ip].sort());
    ok(await store.delete(SVC, "default", "a"));
    expect(await held()).toEqual(["10.43.0.1", "10.43.0.10"]);
  }, 20_000);
});
