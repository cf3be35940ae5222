// The controller host inside workerd: the store nudges it after commits, it syncs keys and writes
// back. Real Deployment/ReplicaSet/GC plans, real store; no scheduler or nodes needed here.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { resourceFor } from "../../../schemas/registry.ts";
import { admitObject } from "../../api/admit.ts";
import { storeClient } from "../../worker/store-client.ts";
import { eventually, ok } from "../store/testing.ts";
import type { ResourceRef, StoreRpc } from "../store/types.ts";

const PODS: ResourceRef = { group: "", version: "v1", plural: "pods" };
const RS: ResourceRef = { group: "apps", version: "v1", plural: "replicasets" };
const DEPLOY: ResourceRef = { group: "apps", version: "v1", plural: "deployments" };
const EVENTS: ResourceRef = { group: "", version: "v1", plural: "events" };

/** A Deployment as the API server stores it: defaulted and validated, as kubectl's would be. */
function deployment(replicas: number): KubeObject {
  const d = rawDeployment(replicas);
  admitObject(resourceFor("apps", "v1", "deployments")!, d, true);
  return d;
}

function rawDeployment(replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web-app", namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web-app" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels: { app: "web-app" } },
        spec: {
          containers: [{ name: "web", image: "myapp:1.2.0" }],
          restartPolicy: "Always",
          dnsPolicy: "ClusterFirst",
        },
      },
    },
  };
}

async function names(s: StoreRpc, ref: ResourceRef): Promise<string[]> {
  return ok(await s.list(ref, { namespace: "default" })).items.map((o) => o.metadata.name ?? "");
}

describe("controller host", { timeout: 30_000 }, () => {
  it("turns a Deployment into a ReplicaSet and its pods, scales it, and collects them on delete", async () => {
    const s = storeClient(env.CLUSTER_STORE, crypto.randomUUID());
    ok(await s.create(DEPLOY, deployment(3), { manager: "test" }));
    await eventually(async () => expect(await names(s, PODS)).toHaveLength(3));
    const [rs] = ok(await s.list(RS, { namespace: "default" })).items;
    expect(rs!.metadata.name).toMatch(/^web-app-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs!.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    const pods = ok(await s.list(PODS, { namespace: "default" })).items;
    for (const p of pods) {
      expect(p.metadata.name?.startsWith(`${rs!.metadata.name}-`)).toBe(true);
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({
        kind: "ReplicaSet",
        uid: rs!.metadata.uid,
        controller: true,
      });
    }
    await eventually(async () =>
      expect(ok(await s.get(DEPLOY, "default", "web-app")).status).toMatchObject({
        observedGeneration: 1,
        replicas: 3,
        updatedReplicas: 3,
      }),
    );
    const d = ok(await s.get(DEPLOY, "default", "web-app"));

    const events = ok(await s.list(EVENTS, { namespace: "default" })).items.map((e) => `${e.reason}: ${e.message}`);
    expect(events).toContain(`ScalingReplicaSet: Scaled up replica set ${rs!.metadata.name} from 0 to 3`);
    expect(events.filter((e) => e.startsWith("SuccessfulCreate: Created pod: "))).toHaveLength(3);

    ok(await s.update(DEPLOY, { ...d, spec: { ...(d.spec as object), replicas: 5 } }));
    await eventually(async () => expect(await names(s, PODS)).toHaveLength(5));

    ok(await s.delete(DEPLOY, "default", "web-app", { propagationPolicy: "Background" }));
    await eventually(async () => {
      expect(await names(s, RS)).toEqual([]);
      expect(await names(s, PODS)).toEqual([]);
    });
  });

  it("replaces a deleted pod", async () => {
    const s = storeClient(env.CLUSTER_STORE, crypto.randomUUID());
    ok(await s.create(DEPLOY, deployment(2)));
    await eventually(async () => expect(await names(s, PODS)).toHaveLength(2));
    const [first] = await names(s, PODS);
    ok(await s.delete(PODS, "default", first!, {}));
    await eventually(async () => {
      const now = await names(s, PODS);
      expect(now).toHaveLength(2);
      expect(now).not.toContain(first);
    });
  });

  it("deletes dependents first under Foreground propagation", async () => {
    const s = storeClient(env.CLUSTER_STORE, crypto.randomUUID());
    ok(await s.create(DEPLOY, deployment(2)));
    await eventually(async () => expect(await names(s, PODS)).toHaveLength(2));
    const marked = ok(await s.delete(DEPLOY, "default", "web-app", { propagationPolicy: "Foreground" }));
    expect(marked.object.metadata.finalizers).toContain("foregroundDeletion");
    await eventually(async () => {
      expect(await names(s, PODS)).toEqual([]);
      expect(await names(s, DEPLOY)).toEqual([]);
    });
  });

  it("saves its cursor once it has caught up, at most a second behind", async () => {
    const cluster = crypto.randomUUID();
    const s = storeClient(env.CLUSTER_STORE, cluster);
    const CMS: ResourceRef = { group: "", version: "v1", plural: "configmaps" };
    for (let i = 0; i < 20; i++) {
      ok(
        await s.create(CMS, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c${i}`, namespace: "default" } }),
      );
    }
    const stub = env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${cluster}`));
    const saved = () =>
      runInDurableObject(stub, (_instance, state) => {
        const row = state.storage.sql.exec("SELECT value FROM meta WHERE key = 'controllers.cursor'").toArray()[0];
        return Number(row?.value ?? 0);
      });
    // Within the bound (one save interval and some), with nothing else written meanwhile.
    await eventually(async () => expect(await saved()).toBe(await s.revision()), 3000);
  });
});
