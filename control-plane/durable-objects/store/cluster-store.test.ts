import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { resourceFor } from "../../../schemas/registry.ts";
import { WatchReader } from "../../../test/workers/watch-reader.ts";
import { storeClient } from "../../worker/store-client.ts";
import { BOOTSTRAP_ID, bootstrapTokenSecret, sha256Hex } from "../node-session/testing.ts";
import type { ClusterStore } from "./cluster-store.ts";
import type { StoreCore } from "./store-core.ts";
import { ok } from "./testing.ts";
import type { ResourceRef, StoreResult, StoreRpc } from "./types.ts";

const PODS: ResourceRef = { group: "", version: "v1", plural: "pods" };
const CMS: ResourceRef = { group: "", version: "v1", plural: "configmaps" };
// Every namespace holds a kube-root-ca.crt: tests about the objects they write select only those.
const OWN = "metadata.name!=kube-root-ca.crt";
const NS: ResourceRef = { group: "", version: "v1", plural: "namespaces" };
const DEPLOY: ResourceRef = { group: "apps", version: "v1", plural: "deployments" };
const SVC: ResourceRef = { group: "", version: "v1", plural: "services" };

function store() {
  return storeClient(env.CLUSTER_STORE, crypto.randomUUID());
}

function stubOf(cluster: StoreRpc): DurableObjectStub<ClusterStore> {
  return cluster as unknown as DurableObjectStub<ClusterStore>;
}

function failure<T>(r: StoreResult<T>) {
  if (r.ok) throw new Error("expected a failure");
  return r.status;
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", labels },
  data,
});

const pod = (name: string, nodeName?: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { containers: [{ name: "c", image: "x" }], ...(nodeName ? { nodeName } : {}) },
  status: { phase: "Running" },
});

/** Retries an assertion until it passes or the bound runs out (controllers work asynchronously). */
async function eventually(check: () => Promise<void>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Joins nodes as `k-agent join` does: a bootstrap token in kube-system, then a credential each. */
async function joinNodes(s: StoreRpc, nodes: readonly string[]): Promise<void> {
  const { secret, secretHash } = await bootstrapTokenSecret();
  ok(
    await s.create({ group: "", version: "v1", plural: "secrets" }, {
      apiVersion: "v1",
      kind: "Secret",
      ...secret,
      metadata: { ...secret.metadata, namespace: "kube-system" },
    } as KubeObject),
  );
  for (const nodeName of nodes) {
    ok(await s.joinNode({ tokenId: BOOTSTRAP_ID, secretHash, nodeName, credentialHash: await sha256Hex(nodeName) }));
  }
}

async function compactAll(s: StoreRpc) {
  await runInDurableObject(stubOf(s), (instance: ClusterStore) => {
    // biome-ignore lint/complexity/useLiteralKeys: reaching the private core is the point of this test helper
    instance["core"]!.log.compact(Date.now() + 1);
  });
}

describe("bootstrap", () => {
  it("starts with the system namespaces, default service accounts and the kubernetes Service", async () => {
    const s = store();
    const names = ok(await s.list(NS, {})).items.map((n) => n.metadata.name);
    expect(names).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"]);
    const sa = ok(await s.get({ group: "", version: "v1", plural: "serviceaccounts" }, "kube-system", "default"));
    expect(sa.metadata.uid).toBeTruthy();
    const svc = ok(await s.get(SVC, "default", "kubernetes"));
    expect((svc.spec as { clusterIP: string }).clusterIP).toBe("10.43.0.1");
    // The cluster DNS Service on k3s's address, which no other Service can then take.
    const dnsSvc = ok(await s.get(SVC, "kube-system", "kube-dns"));
    expect(dnsSvc.spec).toMatchObject({
      clusterIP: "10.43.0.10",
      ports: [
        { port: 53, protocol: "UDP" },
        { port: 53, protocol: "TCP" },
      ],
    });
    const taken = await s.create(SVC, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "squat", namespace: "default" },
      spec: { clusterIP: "10.43.0.10", ports: [{ port: 53, protocol: "UDP", targetPort: 53 }], type: "ClusterIP" },
    });
    expect(taken.ok).toBe(false);
  });
});

describe("revisions and concurrency", () => {
  it("assigns one increasing cluster-wide revision to every write", async () => {
    const s = store();
    const start = await s.revision();
    const a = ok(await s.create(CMS, cm("a")));
    const b = ok(await s.create(NS, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } }));
    expect(Number(a.metadata.resourceVersion)).toBe(start + 1);
    // A namespace comes with its default ServiceAccount and its kube-root-ca.crt: three revisions.
    expect(Number(b.metadata.resourceVersion)).toBe(start + 2);
    expect(await s.revision()).toBe(start + 4);
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("refuses a duplicate create, a stale update and an update of a missing object", async () => {
    const s = store();
    const a = ok(await s.create(CMS, cm("a")));
    expect(failure(await s.create(CMS, cm("a")))).toMatchObject({ code: 409, reason: "AlreadyExists" });
    ok(await s.update(CMS, { ...a, data: { k: "1" } }));
    const stale = failure(await s.update(CMS, { ...a, data: { k: "2" } }));
    expect(stale).toMatchObject({ code: 409, reason: "Conflict" });
    expect(stale.message).toContain("the object has been modified");
    expect(failure(await s.update(CMS, cm("nope")))).toMatchObject({ code: 404, reason: "NotFound" });
  });

  it("answers concurrent writes one by one: a refused one costs no revision and the others stand", async () => {
    const s = store();
    const start = await s.revision();
    const w = new WatchReader(
      ok(await s.watch(CMS, { resourceVersion: String(start), fieldSelector: OWN, format: "json" })),
    );
    // Sent together, so most wait behind the first one's commit and are committed as one group
    // (write-group.ts); the fourth duplicates the first.
    const results = await Promise.all(["g1", "g2", "g3", "g1", "g4", "g5"].map((n) => s.create(CMS, cm(n))));
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(1);
    expect(failure(refused[0]!)).toMatchObject({ code: 409, reason: "AlreadyExists" });
    const revisions = results.filter((r) => r.ok).map((r) => Number(ok(r).metadata.resourceVersion));
    expect(revisions.sort((a, b) => a - b)).toEqual([start + 1, start + 2, start + 3, start + 4, start + 5]);
    expect(await s.revision()).toBe(start + 5);
    const events = await w.waitFor(5);
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`).sort()).toEqual([
      "ADDED g1",
      "ADDED g2",
      "ADDED g3",
      "ADDED g4",
      "ADDED g5",
    ]);
    const names = ok(await s.list(CMS, { namespace: "default", fieldSelector: OWN })).items.map((o) => o.metadata.name);
    expect(names).toEqual(["g1", "g2", "g3", "g4", "g5"]);
    await w.cancel();
  });

  it("commits nodes' reports and lease renewals with the API's writes; a refused report stands alone", async () => {
    const s = store();
    await joinNodes(s, ["n1", "n2"]);
    const LEASES: ResourceRef = { group: "coordination.k8s.io", version: "v1", plural: "leases" };
    const uid = ok(await s.create(PODS, pod("web", "n1"))).metadata.uid ?? "";
    const start = await s.revision();
    const status = { phase: "Running", podIP: "10.42.0.7" };
    // Sent together: all but the first wait for its commit and are committed as one group.
    const [created, lease1, report, intruder, lease2, stranger] = await Promise.all([
      s.create(CMS, cm("beside")),
      s.renewNodeLease("n1", 40),
      s.nodeReport("n1", { type: "podStatus", namespace: "default", name: "web", uid, status }),
      // n2 may not report on n1's pod: refused, and nothing of it is written.
      s.nodeReport("n2", { type: "podStatus", namespace: "default", name: "web", uid, status: { phase: "Failed" } }),
      s.renewNodeLease("n2", 40),
      // A node that never joined (or whose Node was deleted) writes nothing.
      s.renewNodeLease("n3", 40),
    ]);
    expect(failure(intruder)).toMatchObject({ code: 403, reason: "Forbidden" });
    expect(failure(stranger)).toMatchObject({ code: 401, reason: "Unauthorized" });
    for (const r of [created, lease1, report, lease2]) ok(r);
    expect(await s.revision()).toBe(start + 4);
    expect(ok(await s.get(PODS, "default", "web")).status).toEqual(status);
    for (const node of ["n1", "n2"]) {
      const lease = ok(await s.get(LEASES, "kube-node-lease", node));
      expect(lease.spec).toMatchObject({ holderIdentity: node, leaseDurationSeconds: 40 });
    }
  });

  it("commits a burst of lease renewals from many nodes in a few groups, not one commit each", async () => {
    const cluster = crypto.randomUUID();
    const s = storeClient(env.CLUSTER_STORE, cluster);
    const nodes = Array.from({ length: 40 }, (_, i) => `n${i}`);
    await joinNodes(s, nodes);
    const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${cluster}`));
    let commits = 0;
    await runInDurableObject(stub, (instance) => {
      // Counts the group commit's waits for durability: one per group.
      const group = (instance as unknown as { writes: { durable: () => Promise<void> } }).writes;
      const durable = group.durable;
      group.durable = () => {
        commits++;
        return durable();
      };
    });
    for (const r of await Promise.all(nodes.map((n) => s.renewNodeLease(n, 40)))) ok(r);
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThan(nodes.length / 2);
    const leases = ok(await s.list({ group: "coordination.k8s.io", version: "v1", plural: "leases" }, {}));
    expect(leases.items.map((l) => l.metadata.name).sort()).toEqual([...nodes].sort());
  });

  it("undoes a write that fails inside a group and keeps the group's other writes", async () => {
    const cluster = crypto.randomUUID();
    const s = storeClient(env.CLUSTER_STORE, cluster);
    const start = await s.revision();
    const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${cluster}`));
    await runInDurableObject(stub, (instance) => {
      // The store's own core, as the group commit drives it.
      const core = (instance as unknown as { core: StoreCore }).core;
      const rt = resourceFor("", "v1", "configmaps")!;
      core.batch(() => {
        core.isolated(() => core.create(rt, cm("kept-1"), {}));
        expect(() =>
          core.isolated(() => {
            core.create(rt, cm("undone"), {});
            throw new Error("failed after its write");
          }),
        ).toThrow("failed after its write");
        core.isolated(() => core.create(rt, cm("kept-2"), {}));
      });
      expect(core.log.get("configmaps", "default", "undone")).toBeUndefined();
      expect(core.log.get("configmaps", "default", "kept-1")?.rv).toBe(start + 1);
      expect(core.log.get("configmaps", "default", "kept-2")?.rv).toBe(start + 2);
      expect(core.log.currentRevision()).toBe(start + 2);
    });
    expect(await s.revision()).toBe(start + 2);
    expect(failure(await s.get(CMS, "default", "undone"))).toMatchObject({ code: 404 });
  });

  it("treats an update without resourceVersion as unconditional and a no-op as no write", async () => {
    const s = store();
    ok(await s.create(CMS, cm("a", {}, { k: "1" })));
    const updated = ok(await s.update(CMS, cm("a", {}, { k: "2" })));
    const rv = await s.revision();
    const same = ok(await s.update(CMS, cm("a", {}, { k: "2" })));
    expect(same.metadata.resourceVersion).toBe(updated.metadata.resourceVersion);
    expect(await s.revision()).toBe(rv);
  });

  it("bumps generation on spec changes only and keeps status on the main resource", async () => {
    const s = store();
    const d: KubeObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "default" },
      spec: { replicas: 1 },
    };
    const created = ok(await s.create(DEPLOY, d));
    expect(created.metadata.generation).toBe(1);
    const withStatus = ok(await s.update(DEPLOY, { ...created, status: { replicas: 1 } }, { subresource: "status" }));
    expect(withStatus.metadata.generation).toBe(1);
    expect(withStatus.status).toEqual({ replicas: 1 });
    const scaled = ok(await s.update(DEPLOY, { ...withStatus, spec: { replicas: 3 }, status: { replicas: 99 } }));
    expect(scaled.metadata.generation).toBe(2);
    expect(scaled.status).toEqual({ replicas: 1 });
    const statusOnly = ok(
      await s.update(DEPLOY, { ...scaled, spec: { replicas: 7 }, status: { replicas: 3 } }, { subresource: "status" }),
    );
    expect(statusOnly.spec).toEqual({ replicas: 3 });
    expect(statusOnly.metadata.generation).toBe(2);
  });

  it("names objects from generateName", async () => {
    const s = store();
    const a = ok(
      await s.create(CMS, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { generateName: "web-", namespace: "default" },
      }),
    );
    expect(a.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it("refuses objects over 1.5 MiB with a 413 and writes nothing: creates, dry runs and updates", async () => {
    const s = store();
    const before = await s.revision();
    const huge = { k: "x".repeat(1_600_000) };
    const big = failure(await s.create(CMS, cm("big", {}, huge)));
    expect(big).toMatchObject({ code: 413, reason: "RequestEntityTooLarge" });
    expect(big.message).toContain('configmaps "big" is too large');
    expect(failure(await s.createJson(CMS, JSON.stringify(cm("big", {}, huge))))).toMatchObject({ code: 413 });
    expect(failure(await s.create(CMS, cm("big", {}, huge), { dryRun: true }))).toMatchObject({ code: 413 });
    expect(await s.revision()).toBe(before);
    // An update that grows an object past the limit: refused, and the object stays as it was.
    const small = ok(await s.create(CMS, cm("small", {}, { k: "v" })));
    const grown = failure(await s.update(CMS, { ...small, data: huge }));
    expect(grown).toMatchObject({ code: 413, reason: "RequestEntityTooLarge" });
    expect(ok(await s.get(CMS, "default", "small"))).toEqual(small);
    expect(await s.revision()).toBe(Number(small.metadata.resourceVersion));
  });

  it("answers createJson with the object's JSON exactly as a get then reads it", async () => {
    const s = store();
    const text = ok(await s.createJson(PODS, JSON.stringify(pod("json-a"))));
    const created = JSON.parse(text) as KubeObject;
    expect(created.metadata).toMatchObject({ name: "json-a", namespace: "default", uid: expect.any(String) });
    expect(JSON.stringify(ok(await s.get(PODS, "default", "json-a")))).toBe(text);
    // The same name again: 409 from the insert itself, and nothing written.
    const rv = await s.revision();
    expect(failure(await s.createJson(PODS, JSON.stringify(pod("json-a"))))).toMatchObject({
      code: 409,
      reason: "AlreadyExists",
      message: 'pods "json-a" already exists',
    });
    expect(await s.revision()).toBe(rv);
    expect(JSON.stringify(ok(await s.get(PODS, "default", "json-a")))).toBe(text);
    // A dry run answers what would be created, and writes nothing.
    const before = await s.revision();
    const dry = JSON.parse(ok(await s.createJson(PODS, JSON.stringify(pod("json-b")), { dryRun: true }))) as KubeObject;
    expect(dry.metadata.name).toBe("json-b");
    expect(await s.revision()).toBe(before);
    expect(failure(await s.get(PODS, "default", "json-b"))).toMatchObject({ code: 404 });
  });

  it("sees a pod's namespace and service account as they are now, create after create", async () => {
    const s = store();
    const SA: ResourceRef = { group: "", version: "v1", plural: "serviceaccounts" };
    // A finalizer of its own keeps the namespace terminating once deleted.
    ok(
      await s.create(NS, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "memo", finalizers: ["example.com/hold"] },
      }),
    );
    const inMemo = (name: string) => ({ ...pod(name), metadata: { name, namespace: "memo" } });
    await eventually(async () => {
      ok(await s.get(SA, "memo", "default"));
    });
    ok(await s.create(PODS, inMemo("a")));
    // The account goes: the next pod is refused, as it would be had nothing been read before.
    ok(await s.delete(SA, "memo", "default"));
    expect(failure(await s.create(PODS, inMemo("b")))).toMatchObject({
      code: 403,
      message: expect.stringContaining('serviceaccount "default" not found'),
    });
    ok(
      await s.create(SA, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: "memo" },
      }),
    );
    ok(await s.create(PODS, inMemo("b")));
    // The namespace starts terminating: creates in it are refused from then on.
    ok(await s.delete(NS, "", "memo"));
    expect(failure(await s.createJson(PODS, JSON.stringify(inMemo("c"))))).toMatchObject({
      code: 403,
      reason: "Forbidden",
      message: expect.stringContaining("because it is being terminated"),
    });
  });

  it("refuses writes into missing namespaces", async () => {
    const s = store();
    const r = failure(await s.create(CMS, { ...cm("a"), metadata: { name: "a", namespace: "nope" } }));
    expect(r).toMatchObject({ code: 404, message: 'namespaces "nope" not found' });
  });
});

describe("lists", () => {
  it("filters by label and field selectors", async () => {
    const s = store();
    ok(await s.create(CMS, cm("a", { app: "web", tier: "front" })));
    ok(await s.create(CMS, cm("b", { app: "web" })));
    ok(await s.create(CMS, cm("c", { app: "db" })));
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      ok(await s.list(CMS, { namespace: "default", labelSelector, fieldSelector })).items.map((o) => o.metadata.name);
    expect(await names("app=web")).toEqual(["a", "b"]);
    expect(await names("app in (web,db),!tier")).toEqual(["b", "c"]);
    expect(await names("tier")).toEqual(["a"]);
    expect(await names(undefined, "metadata.name=c")).toEqual(["c"]);
    expect(await names("app=web", "metadata.name!=a")).toEqual(["b"]);
    expect(failure(await s.list(CMS, { fieldSelector: "spec.nodeName=x" }))).toMatchObject({ code: 400 });
    expect(failure(await s.list(CMS, { labelSelector: "a in ()" }))).toMatchObject({ code: 400 });
  });

  it("selects pods by spec.nodeName and status.phase", async () => {
    const s = store();
    ok(await s.create(PODS, pod("p1", "n1")));
    ok(await s.create(PODS, pod("p2", "n2")));
    const onN1 = ok(await s.list(PODS, { fieldSelector: "spec.nodeName=n1,status.phase=Running" }));
    expect(onN1.items.map((p) => p.metadata.name)).toEqual(["p1"]);
  });

  it("paginates a consistent snapshot and expires old continue tokens", async () => {
    const s = store();
    for (const n of ["a", "b", "c", "d", "e"]) ok(await s.create(CMS, cm(n)));
    const page1 = ok(await s.list(CMS, { namespace: "default", limit: 2, fieldSelector: OWN }));
    expect(page1.items.map((o) => o.metadata.name)).toEqual(["a", "b"]);
    expect(page1.metadata.continue).toBeTruthy();
    // Writes after the first page do not show in later pages: the list is one snapshot.
    ok(await s.create(CMS, cm("bb")));
    const c = ok(await s.get(CMS, "default", "c"));
    ok(await s.update(CMS, { ...c, data: { changed: "yes" } }));
    ok(await s.delete(CMS, "default", "d", {}));
    const page2 = ok(
      await s.list(CMS, { namespace: "default", limit: 2, fieldSelector: OWN, continue: page1.metadata.continue }),
    );
    expect(page2.items.map((o) => o.metadata.name)).toEqual(["c", "d"]);
    expect(page2.items[0]!.data).toEqual({});
    expect(page2.metadata.resourceVersion).toBe(page1.metadata.resourceVersion);
    const page3 = ok(
      await s.list(CMS, { namespace: "default", limit: 2, fieldSelector: OWN, continue: page2.metadata.continue }),
    );
    expect(page3.items.map((o) => o.metadata.name)).toEqual(["e"]);
    expect(page3.metadata.continue).toBeUndefined();
    // Once history is compacted past the snapshot, the token is too old.
    await compactAll(s);
    ok(await s.create(CMS, cm("f")));
    expect(
      failure(
        await s.list(CMS, { namespace: "default", limit: 2, fieldSelector: OWN, continue: page1.metadata.continue }),
      ),
    ).toMatchObject({
      code: 410,
      reason: "Expired",
    });
    expect(failure(await s.list(CMS, { continue: "garbage" }))).toMatchObject({ code: 400 });
  });

  it("keeps a snapshot page whole when more keys than a read batch were created after it", async () => {
    const s = store();
    for (const n of ["a", "b", "z"]) ok(await s.create(CMS, cm(n, {}, { v: "1" })));
    const page1 = ok(await s.list(CMS, { namespace: "default", limit: 1, fieldSelector: OWN }));
    // 600 keys between b and z, none of which existed at the snapshot (the store reads 500 at a time).
    for (let i = 0; i < 600; i++) ok(await s.create(CMS, cm(`m${String(i).padStart(3, "0")}`)));
    const z = ok(await s.get(CMS, "default", "z"));
    ok(await s.update(CMS, { ...z, data: { v: "2" } }));
    const rest = ok(
      await s.list(CMS, { namespace: "default", limit: 5, fieldSelector: OWN, continue: page1.metadata.continue }),
    );
    expect(rest.items.map((o) => [o.metadata.name, (o.data as Record<string, string>).v])).toEqual([
      ["b", "1"],
      ["z", "1"],
    ]);
    expect(rest.items[1]!.metadata.resourceVersion).toBe(z.metadata.resourceVersion);
  });

  it("reads an exact past revision and refuses one newer than the store", async () => {
    const s = store();
    const a = ok(await s.create(CMS, cm("a", {}, { v: "1" })));
    ok(await s.update(CMS, { ...a, data: { v: "2" } }));
    ok(await s.create(CMS, cm("b")));
    const past = ok(
      await s.list(CMS, {
        namespace: "default",
        fieldSelector: OWN,
        resourceVersion: a.metadata.resourceVersion,
        resourceVersionMatch: "Exact",
      }),
    );
    expect(past.items.map((o) => [o.metadata.name, o.data])).toEqual([["a", { v: "1" }]]);
    const future = failure(await s.list(CMS, { resourceVersion: "999999" }));
    expect(future.code).toBe(504);
  });
});

describe("deletion", () => {
  it("keeps an object with finalizers until the last one is removed", async () => {
    const s = store();
    ok(
      await s.create(CMS, {
        ...cm("f"),
        metadata: { name: "f", namespace: "default", finalizers: ["example.com/hold"] },
      }),
    );
    const marked = ok(await s.delete(CMS, "default", "f", {}));
    expect(marked.deleted).toBe(false);
    expect(marked.object.metadata.deletionTimestamp).toBeTruthy();
    const again = ok(await s.get(CMS, "default", "f"));
    const added = failure(
      await s.update(CMS, { ...again, metadata: { ...again.metadata, finalizers: ["example.com/hold", "x/y"] } }),
    );
    expect(added.code).toBe(422);
    ok(await s.update(CMS, { ...again, metadata: { ...again.metadata, finalizers: [] } }));
    expect(failure(await s.get(CMS, "default", "f")).code).toBe(404);
  });

  it("deletes a bound pod gracefully: marked first, gone when its node deletes it with grace 0", async () => {
    const s = store();
    ok(
      await s.create(PODS, {
        ...pod("p", "node-1"),
        spec: { nodeName: "node-1", terminationGracePeriodSeconds: 20, containers: [] },
      }),
    );
    const marked = ok(await s.delete(PODS, "default", "p", {}));
    expect(marked.deleted).toBe(false);
    expect(marked.object.metadata.deletionGracePeriodSeconds).toBe(20);
    // The node reports status while the pod terminates: the pod stays.
    const current = ok(await s.get(PODS, "default", "p"));
    ok(
      await s.update(
        PODS,
        { ...current, status: { phase: "Running", message: "stopping" } },
        { subresource: "status" },
      ),
    );
    ok(await s.get(PODS, "default", "p"));
    const gone = ok(await s.delete(PODS, "default", "p", { gracePeriodSeconds: 0 }));
    expect(gone.deleted).toBe(true);
    ok(await s.create(PODS, pod("unbound")));
    expect(ok(await s.delete(PODS, "default", "unbound", {})).deleted).toBe(true);
  });

  it("honours preconditions and propagation policies", async () => {
    const s = store();
    const a = ok(await s.create(CMS, cm("a")));
    expect(failure(await s.delete(CMS, "default", "a", { preconditions: { uid: "other" } })).code).toBe(409);
    const orphan = ok(await s.delete(CMS, "default", "a", { propagationPolicy: "Orphan" }));
    expect(orphan.object.metadata.finalizers).toEqual(["orphan"]);
    expect(orphan.object.metadata.uid).toBe(a.metadata.uid);
  });

  it("empties and removes a deleted namespace, and frees ClusterIPs", async () => {
    const s = store();
    ok(
      await s.create(NS, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "team" },
        spec: { finalizers: ["kubernetes"] },
      }),
    );
    ok(await s.create(CMS, { ...cm("a"), metadata: { name: "a", namespace: "team" } }));
    const svc = ok(
      await s.create(SVC, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "s", namespace: "team" },
        spec: { clusterIP: "10.43.7.7" },
      }),
    );
    expect((svc.spec as { clusterIPs: string[] }).clusterIPs).toEqual(["10.43.7.7"]);
    const taken = failure(
      await s.create(SVC, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "t", namespace: "default" },
        spec: { clusterIP: "10.43.7.7" },
      }),
    );
    expect(taken.message).toContain("provided IP is already allocated");
    const marked = ok(await s.delete(NS, "", "team", {}));
    expect(marked.deleted).toBe(false);
    expect(marked.object.status).toMatchObject({ phase: "Terminating" });
    // Creating in a namespace being deleted is refused, as upstream.
    const refused = failure(await s.create(CMS, { ...cm("b"), metadata: { name: "b", namespace: "team" } }));
    expect(refused).toMatchObject({ code: 403, reason: "Forbidden" });
    // The namespace controller empties it, then it goes.
    await eventually(async () => expect(failure(await s.get(NS, "", "team")).code).toBe(404));
    expect(ok(await s.list(CMS, { namespace: "team" })).items).toEqual([]);
    ok(
      await s.create(SVC, {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "t", namespace: "default" },
        spec: { clusterIP: "10.43.7.7" },
      }),
    );
  });
});

describe("watch", () => {
  it("streams changes after a revision, in order", async () => {
    const s = store();
    const a = ok(await s.create(CMS, cm("a")));
    const w = new WatchReader(
      ok(await s.watch(CMS, { namespace: "default", resourceVersion: a.metadata.resourceVersion, format: "json" })),
    );
    ok(await s.update(CMS, { ...a, data: { x: "1" } }));
    ok(await s.create(CMS, cm("b")));
    ok(await s.delete(CMS, "default", "a", {}));
    const events = await w.waitFor(3);
    expect(events.map((e) => [e.type, e.object.metadata?.name])).toEqual([
      ["MODIFIED", "a"],
      ["ADDED", "b"],
      ["DELETED", "a"],
    ]);
    const rvs = events.map((e) => Number(e.object.metadata?.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    expect(events[0]!.object.kind).toBe("ConfigMap");
    await w.cancel();
  });

  it("replays every version of an object from the log, each stored once", async () => {
    const cluster = crypto.randomUUID();
    const s = storeClient(env.CLUSTER_STORE, cluster);
    const start = String(await s.revision());
    const v1 = ok(await s.create(CMS, cm("a", {}, { v: "1" })));
    const v2 = ok(await s.update(CMS, { ...v1, data: { v: "2" } }));
    ok(await s.update(CMS, { ...v2, data: { v: "3" } }));
    ok(await s.delete(CMS, "default", "a", {}));
    ok(await s.create(CMS, cm("a", {}, { v: "4" })));
    ok(await s.update(CMS, { ...ok(await s.get(CMS, "default", "a")), data: { v: "5" } }));
    // A late watcher, after all of it: each version comes from `objects`, a later change's
    // previous value, or the deletion's own row.
    const w = new WatchReader(ok(await s.watch(CMS, { namespace: "default", resourceVersion: start, format: "json" })));
    const events = await w.waitFor(6);
    expect(events.map((e) => `${e.type} ${(e.object.data as { v: string }).v}`)).toEqual([
      "ADDED 1",
      "MODIFIED 2",
      "MODIFIED 3",
      "DELETED 3",
      "ADDED 4",
      "MODIFIED 5",
    ]);
    const rvs = events.map((e) => Number(e.object.metadata?.resourceVersion));
    expect(rvs).toEqual([1, 2, 3, 4, 5, 6].map((i) => Number(start) + i));
    await w.cancel();
    const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${cluster}`));
    await runInDurableObject(stub, (_instance, state) => {
      const rows = state.storage.sql
        .exec<{ type: string; stored: number }>(
          "SELECT type, length(value) AS stored FROM changes WHERE resource = 'configmaps' AND name = 'a' ORDER BY rv",
        )
        .toArray();
      // Only the deletion keeps the object in its own row.
      expect(rows.map((r) => `${r.type} ${r.stored > 0}`)).toEqual([
        "ADDED false",
        "MODIFIED false",
        "MODIFIED false",
        "DELETED true",
        "ADDED false",
        "MODIFIED false",
      ]);
    });
  });

  it("replays history to a late watcher and answers 410 once it is compacted", async () => {
    const s = store();
    const a = ok(await s.create(CMS, cm("a")));
    ok(await s.create(CMS, cm("b")));
    const replay = new WatchReader(
      ok(await s.watch(CMS, { resourceVersion: a.metadata.resourceVersion, format: "json" })),
    );
    expect((await replay.waitFor(1)).map((e) => e.object.metadata?.name)).toEqual(["b"]);
    await replay.cancel();
    await compactAll(s);
    const old = new WatchReader(
      ok(await s.watch(CMS, { resourceVersion: a.metadata.resourceVersion, format: "json" })),
    );
    const [err] = await old.waitFor(1);
    expect(err).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
    expect(await old.waitForEnd()).toBe(true);
  });

  it("keeps delivering to every other watcher while one client stops reading", async () => {
    // A paused kubectl must not hold up the controllers watching the same things. A fan-out that
    // couples its readers (workerd's tee waits for its slowest branch) delivers nothing here.
    const s = store();
    const rv = String(await s.revision());
    const stalled = ok(await s.watch(CMS, { resourceVersion: rv, format: "json" }));
    const reading = new WatchReader(ok(await s.watch(CMS, { resourceVersion: rv, format: "json" })));
    // 60 events of 64 KiB, 3.75 MiB: far below the backlog bound, so the stalled watch stays open.
    const big = "x".repeat(64 * 1024);
    for (let i = 0; i < 60; i++) ok(await s.create(CMS, cm(`big-${i}`, {}, { big })));
    const events = await reading.waitFor(60, 10_000);
    expect(events.map((e) => e.object.metadata?.name)).toEqual(Array.from({ length: 60 }, (_, i) => `big-${i}`));
    await reading.cancel();
    await stalled.cancel();
  });

  it("closes a watch whose client has left 32 MiB unread, and nobody else's", async () => {
    const s = store();
    const rv = String(await s.revision());
    const stalled = new WatchReader(ok(await s.watch(CMS, { resourceVersion: rv, format: "json" })));
    const reading = new WatchReader(ok(await s.watch(CMS, { resourceVersion: rv, format: "json" })));
    // 40 events of 1 MiB: past the bound for the one that does not read.
    const big = "x".repeat(1024 * 1024);
    for (let i = 0; i < 40; i++) {
      ok(await s.create(CMS, cm(`huge-${i}`, {}, { big })));
      await reading.waitFor(i + 1, 5000);
    }
    expect(reading.events).toHaveLength(40);
    // The stalled client, reading at last, finds its watch ended short of the end: it watches again.
    const ended = await stalled.waitForEnd(10_000).catch(() => true);
    expect(ended).toBe(true);
    expect(stalled.events.length).toBeLessThan(40);
    await reading.cancel();
  });

  it("sends initial events then the initial-events-end bookmark for watch-list", async () => {
    const s = store();
    ok(await s.create(CMS, cm("a")));
    ok(await s.create(CMS, cm("b")));
    const w = new WatchReader(
      ok(
        await s.watch(CMS, {
          namespace: "default",
          fieldSelector: OWN,
          sendInitialEvents: true,
          resourceVersionMatch: "NotOlderThan",
          allowWatchBookmarks: true,
          format: "json",
        }),
      ),
    );
    const events = await w.waitFor(3);
    expect(events.map((e) => e.type)).toEqual(["ADDED", "ADDED", "BOOKMARK"]);
    expect(events[2]!.object.metadata?.annotations).toEqual({ "k8s.io/initial-events-end": "true" });
    expect(events[2]!.object.metadata?.resourceVersion).toBe(String(await s.revision()));
    ok(await s.create(CMS, cm("c")));
    expect((await w.waitFor(4))[3]).toMatchObject({ type: "ADDED", object: { metadata: { name: "c" } } });
    await w.cancel();
  });

  it("turns label changes into ADDED and DELETED for a selecting watcher", async () => {
    const s = store();
    const a = ok(await s.create(CMS, cm("a", { app: "db" })));
    const w = new WatchReader(
      ok(await s.watch(CMS, { labelSelector: "app=web", resourceVersion: a.metadata.resourceVersion, format: "json" })),
    );
    const moved = ok(await s.update(CMS, { ...a, metadata: { ...a.metadata, labels: { app: "web" } } }));
    const changed = ok(await s.update(CMS, { ...moved, data: { k: "v" } }));
    ok(await s.update(CMS, { ...changed, metadata: { ...changed.metadata, labels: { app: "db" } } }));
    expect((await w.waitFor(3)).map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    await w.cancel();
  });

  it("sends bookmarks to idle watches that asked for them, and none to others", async () => {
    const s = store();
    const rv = String(await s.revision());
    const withMarks = new WatchReader(
      ok(await s.watch(CMS, { resourceVersion: rv, allowWatchBookmarks: true, format: "json" })),
    );
    const without = new WatchReader(ok(await s.watch(CMS, { resourceVersion: rv, format: "json" })));
    // BOOKMARK_INTERVAL_SECONDS is 1 in the test configuration.
    const [mark] = await withMarks.waitFor(1, 3000);
    expect(mark).toMatchObject({ type: "BOOKMARK", object: { kind: "ConfigMap", metadata: { resourceVersion: rv } } });
    expect(await without.waitFor(1, 1500)).toEqual([]);
    await withMarks.cancel();
    await without.cancel();
  });

  it("ends a watch after timeoutSeconds", async () => {
    const s = store();
    const w = new WatchReader(
      ok(await s.watch(CMS, { timeoutSeconds: 1, resourceVersion: String(await s.revision()), format: "json" })),
    );
    expect(await w.waitForEnd(3000)).toBe(true);
  });
});
