// The EndpointSlice and Endpoints controllers inside workerd: a Service's pods, as their addresses
// and readiness change, show up in its slices and its Endpoints object; both go with the Service.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { resourceFor } from "../../../schemas/registry.ts";
import { admitObject } from "../../api/admit.ts";
import { storeClient } from "../../worker/store-client.ts";
import { eventually, ok } from "../store/testing.ts";
import type { ResourceRef, StoreRpc } from "../store/types.ts";

const PODS: ResourceRef = { group: "", version: "v1", plural: "pods" };
const SERVICES: ResourceRef = { group: "", version: "v1", plural: "services" };
const ENDPOINTS: ResourceRef = { group: "", version: "v1", plural: "endpoints" };
const SLICES: ResourceRef = { group: "discovery.k8s.io", version: "v1", plural: "endpointslices" };

function admitted(plural: string, obj: KubeObject): KubeObject {
  admitObject(resourceFor("", "v1", plural)!, obj, true);
  return obj;
}

function service(): KubeObject {
  return admitted("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web-app", namespace: "default" },
    spec: { selector: { app: "web-app" }, ports: [{ name: "http", port: 80, targetPort: "web" }] },
  });
}

function pod(name: string): KubeObject {
  return admitted("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "web-app" } },
    spec: { containers: [{ name: "web", image: "myapp:1.2.0", ports: [{ name: "web", containerPort: 3000 }] }] },
  });
}

/** What the node reports once the pod runs: an address and a Ready condition. */
async function report(s: StoreRpc, name: string, ip: string, ready: boolean): Promise<void> {
  const current = ok(await s.get(PODS, "default", name));
  const status = {
    phase: "Running",
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
  };
  ok(await s.update(PODS, { ...current, status }, { subresource: "status" }));
}

interface SliceView {
  ports: unknown;
  endpoints: { addresses: string[]; conditions: { ready: boolean } }[];
}

async function sliceView(s: StoreRpc): Promise<{ ready: string[]; notReady: string[]; ports: unknown[] }> {
  const slices = ok(await s.list(SLICES, { namespace: "default", labelSelector: "kubernetes.io/service-name=web-app" }))
    .items as unknown as SliceView[];
  const eps = slices.flatMap((x) => x.endpoints ?? []);
  return {
    ready: eps
      .filter((e) => e.conditions.ready)
      .flatMap((e) => e.addresses)
      .sort(),
    notReady: eps
      .filter((e) => !e.conditions.ready)
      .flatMap((e) => e.addresses)
      .sort(),
    ports: slices.map((x) => x.ports),
  };
}

describe("endpoint controllers", { timeout: 30_000 }, () => {
  it("follow a Service's pods through readiness, and go with the Service", async () => {
    const s = storeClient(env.CLUSTER_STORE, crypto.randomUUID());
    const svc = ok(await s.create(SERVICES, service(), { manager: "test" }));
    // No pods yet: one placeholder slice and an Endpoints object without subsets.
    await eventually(async () => {
      expect(await sliceView(s)).toEqual({ ready: [], notReady: [], ports: [[]] });
      expect(ok(await s.get(ENDPOINTS, "default", "web-app")).subsets).toBeUndefined();
    });
    for (const name of ["web-a", "web-b"]) ok(await s.create(PODS, pod(name), { manager: "test" }));
    await report(s, "web-a", "10.42.0.5", true);
    await report(s, "web-b", "10.42.1.6", false);
    await eventually(async () => {
      expect(await sliceView(s)).toEqual({
        ready: ["10.42.0.5"],
        notReady: ["10.42.1.6"],
        ports: [[{ name: "http", port: 3000, protocol: "TCP" }]],
      });
      const ep = ok(await s.get(ENDPOINTS, "default", "web-app"));
      expect(ep.subsets).toMatchObject([
        {
          addresses: [{ ip: "10.42.0.5", targetRef: { kind: "Pod", name: "web-a" } }],
          notReadyAddresses: [{ ip: "10.42.1.6" }],
          ports: [{ name: "http", port: 3000, protocol: "TCP" }],
        },
      ]);
    });
    const slice = ok(await s.list(SLICES, { namespace: "default" })).items[0]!;
    expect(slice.metadata.ownerReferences).toMatchObject([
      { kind: "Service", uid: svc.metadata.uid, controller: true },
    ]);
    expect(slice.metadata.managedFields?.[0]?.manager).toBe("endpointslice-controller");

    await report(s, "web-b", "10.42.1.6", true);
    ok(await s.delete(PODS, "default", "web-a", { gracePeriodSeconds: 0 }));
    await eventually(async () => expect(await sliceView(s)).toMatchObject({ ready: ["10.42.1.6"], notReady: [] }));

    ok(await s.delete(SERVICES, "default", "web-app", {}));
    await eventually(async () => {
      expect(ok(await s.list(SLICES, { namespace: "default" })).items).toEqual([]);
      expect(ok(await s.list(ENDPOINTS, { namespace: "default" })).items).toEqual([]);
    });
  });

  it("puts back a slice someone deleted", async () => {
    const s = storeClient(env.CLUSTER_STORE, crypto.randomUUID());
    ok(await s.create(SERVICES, service(), { manager: "test" }));
    ok(await s.create(PODS, pod("web-a"), { manager: "test" }));
    await report(s, "web-a", "10.42.0.5", true);
    await eventually(async () => expect((await sliceView(s)).ready).toEqual(["10.42.0.5"]));
    const [slice] = ok(await s.list(SLICES, { namespace: "default" })).items;
    ok(await s.delete(SLICES, "default", slice!.metadata.name!, {}));
    await eventually(async () => {
      const items = ok(await s.list(SLICES, { namespace: "default" })).items;
      expect(items.map((i) => i.metadata.name)).not.toContain(slice!.metadata.name);
      expect((await sliceView(s)).ready).toEqual(["10.42.0.5"]);
    });
  });
});
