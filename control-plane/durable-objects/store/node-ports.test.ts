import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ServicePort, ServiceSpec } from "../../../schemas/core/service.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { resourceFor } from "../../../schemas/registry.ts";
import { admitObject } from "../../api/admit.ts";
import { storeClient } from "../../worker/store-client.ts";
import { parsePortRange, staticBand } from "./node-port.ts";
import { ok } from "./testing.ts";
import type { ResourceRef, StoreResult, StoreRpc } from "./types.ts";

const SVC: ResourceRef = { group: "", version: "v1", plural: "services" };
const SERVICES = resourceFor("", "v1", "services")!;

function failure<T>(r: StoreResult<T>) {
  if (r.ok) throw new Error("expected a failure");
  return r.status;
}

/** A Service as the Worker hands it to the store: defaulted and validated (create or update). */
function service(name: string, spec: ServiceSpec, create = true): KubeObject {
  const svc: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec };
  admitObject(SERVICES, svc, create);
  return svc;
}

const nodePortsOf = (svc: KubeObject) => ((svc.spec as ServiceSpec).ports ?? []).map((p) => p.nodePort);
const specOf = (svc: KubeObject) => svc.spec as ServiceSpec;

/** A store of its own, and what its allocation table holds for node ports. */
function cluster() {
  const name = crypto.randomUUID();
  const store = storeClient(env.CLUSTER_STORE, name);
  const held = () =>
    runInDurableObject(env.CLUSTER_STORE.get(env.CLUSTER_STORE.idFromName(`cluster:${name}`)), (_i, state) =>
      state.storage.sql
        .exec<{ value: string; owner: string }>(
          "SELECT value, owner FROM allocations WHERE pool = 'node-port' ORDER BY CAST(value AS INTEGER)",
        )
        .toArray()
        .map((r) => `${r.value} ${r.owner}`),
    );
  return { store, held };
}

const web = (ports: ServicePort[], type = "NodePort", more: ServiceSpec = {}): ServiceSpec => ({
  type,
  selector: { app: "web" },
  ports,
  ...more,
});

async function update(store: StoreRpc, name: string, spec: ServiceSpec, dryRun = false) {
  const current = ok(await store.get(SVC, "default", name));
  const next = service(name, spec, false);
  next.metadata.resourceVersion = current.metadata.resourceVersion;
  return store.update(SVC, next, { dryRun });
}

describe("the node port range", () => {
  it("parses SERVICE_NODE_PORT_RANGE as --service-node-port-range does", () => {
    expect(parsePortRange("30000-32767")).toEqual({ base: 30000, size: 2768, text: "30000-32767" });
    expect(parsePortRange("8080")).toEqual({ base: 8080, size: 1, text: "8080-8080" });
    expect(() => parsePortRange("32767-30000")).toThrow(/SERVICE_NODE_PORT_RANGE/);
    expect(() => parsePortRange("1-70000")).toThrow(/SERVICE_NODE_PORT_RANGE/);
    expect(() => parsePortRange("30000:32767")).toThrow(/SERVICE_NODE_PORT_RANGE/);
  });

  it("keeps upstream's lower band for ports asked for by number: min(max(16, size/32), 128)", () => {
    expect(staticBand(parsePortRange("30000-32767"))).toBe(86);
    expect(staticBand(parsePortRange("30000-30009"))).toBe(0);
    expect(staticBand(parsePortRange("30000-30199"))).toBe(16);
    expect(staticBand(parsePortRange("20000-32767"))).toBe(128);
  });
});

describe("NodePort allocation", () => {
  it("gives each port of a NodePort Service a free port of the range, outside the lower band", async () => {
    const { store, held } = cluster();
    const a = ok(
      await store.create(
        SVC,
        service(
          "a",
          web([
            { name: "http", port: 80 },
            { name: "https", port: 443 },
          ]),
        ),
      ),
    );
    const ports = nodePortsOf(a) as number[];
    expect(ports).toHaveLength(2);
    expect(new Set(ports).size).toBe(2);
    for (const p of ports) expect(p >= 30086 && p <= 32767).toBe(true);
    const b = ok(await store.create(SVC, service("b", web([{ port: 80 }]))));
    const [bp] = nodePortsOf(b) as number[];
    expect(ports).not.toContain(bp);
    expect(await held()).toEqual([...ports.map((p) => `${p} default/a`), `${bp} default/b`].sort());
    // The first call starts the Durable Object (migrations, controller host): slow on a busy machine.
  }, 20_000);

  it("honours a port asked for, and refuses one another Service holds, writing nothing", async () => {
    const { store, held } = cluster();
    const a = ok(await store.create(SVC, service("a", web([{ port: 80, nodePort: 30080 }]))));
    expect(nodePortsOf(a)).toEqual([30080]);
    const status = failure(await store.create(SVC, service("b", web([{ port: 8080, nodePort: 30080 }]))));
    expect(status).toMatchObject({
      code: 422,
      reason: "Invalid",
      message:
        'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
      details: {
        causes: [
          {
            reason: "FieldValueInvalid",
            field: "spec.ports[0].nodePort",
            message: "Invalid value: 30080: provided port is already allocated",
          },
        ],
      },
    });
    expect(failure(await store.get(SVC, "default", "b")).code).toBe(404);
    expect(await held()).toEqual(["30080 default/a"]);
  }, 20_000);

  it("refuses a port outside the range with upstream's message", async () => {
    const { store, held } = cluster();
    const status = failure(await store.create(SVC, service("a", web([{ port: 80, nodePort: 80 }]))));
    expect(status).toMatchObject({
      code: 422,
      message:
        'Service "a" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    });
    expect(await held()).toEqual([]);
  }, 20_000);

  it("shares one port between 53/TCP and 53/UDP, and refuses node ports on a ClusterIP Service", async () => {
    const { store, held } = cluster();
    const dns = ok(
      await store.create(
        SVC,
        service(
          "dns",
          web([
            { name: "tcp", port: 53, protocol: "TCP" },
            { name: "udp", port: 53, protocol: "UDP" },
          ]),
        ),
      ),
    );
    const [tcp, udp] = nodePortsOf(dns);
    expect(udp).toBe(tcp);
    expect(await held()).toEqual([`${tcp} default/dns`]);
    const status = failure(
      await store.create(SVC, service("plain", web([{ port: 80, nodePort: 30081 }], "ClusterIP"))),
    );
    expect(status).toMatchObject({
      code: 422,
      message:
        "Service \"plain\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    });
  }, 20_000);

  it("holds nothing for a dry run, of a create or of an update", async () => {
    const { store, held } = cluster();
    const dry = ok(await store.create(SVC, service("a", web([{ port: 80 }])), { dryRun: true }));
    expect(nodePortsOf(dry)[0]).toBeGreaterThanOrEqual(30000);
    ok(await store.create(SVC, service("b", web([{ port: 80, nodePort: 30090 }])), { dryRun: true }));
    expect(await held()).toEqual([]);
    ok(await store.create(SVC, service("c", web([{ port: 80, nodePort: 30090 }]))));
    const grown = ok(
      await update(
        store,
        "c",
        web([
          { name: "a", port: 80 },
          { name: "b", port: 81 },
        ]),
        true,
      ),
    );
    expect(nodePortsOf(grown)[0]).toBeGreaterThanOrEqual(30000);
    expect(await held()).toEqual(["30090 default/c"]);
  }, 20_000);

  it("keeps the ports on update; a new port gets one, a removed port gives its back", async () => {
    const { store, held } = cluster();
    ok(
      await store.create(
        SVC,
        service(
          "a",
          web([
            { name: "http", port: 80, nodePort: 30080 },
            { name: "https", port: 443, nodePort: 30443 },
          ]),
        ),
      ),
    );
    // Left out: kept (matched by port name, as upstream).
    const kept = ok(
      await update(
        store,
        "a",
        web([
          { name: "http", port: 80 },
          { name: "https", port: 443 },
        ]),
      ),
    );
    expect(nodePortsOf(kept)).toEqual([30080, 30443]);
    const changed = ok(
      await update(
        store,
        "a",
        web([
          { name: "http", port: 80 },
          { name: "metrics", port: 9090 },
        ]),
      ),
    );
    const [http, metrics] = nodePortsOf(changed) as number[];
    expect(http).toBe(30080);
    expect(metrics).not.toBe(30443);
    expect(await held()).toEqual([`30080 default/a`, `${metrics} default/a`].sort());
    // The port given back is free for another Service.
    ok(await store.create(SVC, service("b", web([{ port: 80, nodePort: 30443 }]))));
  }, 20_000);

  it("refuses an update taking another Service's port, and holds what it held", async () => {
    const { store, held } = cluster();
    ok(await store.create(SVC, service("a", web([{ port: 80, nodePort: 30080 }]))));
    ok(await store.create(SVC, service("b", web([{ name: "http", port: 80, nodePort: 30081 }]))));
    const status = failure(
      await update(
        store,
        "b",
        web([
          { name: "http", port: 80 },
          { name: "other", port: 81, nodePort: 30080 },
        ]),
      ),
    );
    expect(status).toMatchObject({ code: 422, details: { causes: [{ field: "spec.ports[1].nodePort" }] } });
    expect(await held()).toEqual(["30080 default/a", "30081 default/b"]);
    expect(nodePortsOf(ok(await store.get(SVC, "default", "b")))).toEqual([30081]);
  }, 20_000);

  it("gives the ports back on a change to ClusterIP, clearing them; a change back allocates anew", async () => {
    const { store, held } = cluster();
    const a = ok(await store.create(SVC, service("a", web([{ port: 80, nodePort: 30080 }]))));
    // What `kubectl patch -p '{"spec":{"type":"ClusterIP"}}'` sends: the old node ports and policy.
    const patched = { ...specOf(a), type: "ClusterIP" };
    const plain = ok(await update(store, "a", patched));
    expect(nodePortsOf(plain)).toEqual([undefined]);
    expect(specOf(plain)).not.toHaveProperty("externalTrafficPolicy");
    expect(await held()).toEqual([]);
    ok(await store.create(SVC, service("b", web([{ port: 80, nodePort: 30080 }]))));
    const back = ok(await update(store, "a", web([{ port: 80 }])));
    const [np] = nodePortsOf(back);
    expect(np).not.toBe(30080);
    expect(await held()).toEqual(["30080 default/b", `${np} default/a`].sort());
    const external = ok(await update(store, "a", { type: "ExternalName", externalName: "db.example.com" }));
    expect(specOf(external).ports).toBeUndefined();
    expect(await held()).toEqual(["30080 default/b"]);
  }, 20_000);

  it("refuses a change to ClusterIP that names a node port the Service did not have", async () => {
    const { store, held } = cluster();
    ok(await store.create(SVC, service("a", web([{ port: 80, nodePort: 30080 }]))));
    const status = failure(await update(store, "a", web([{ port: 80, nodePort: 30082 }], "ClusterIP")));
    expect(status).toMatchObject({ code: 422, details: { causes: [{ field: "spec.ports[0].nodePort" }] } });
    expect(await held()).toEqual(["30080 default/a"]);
  }, 20_000);

  it("gives the ports back on delete", async () => {
    const { store, held } = cluster();
    ok(await store.create(SVC, service("a", web([{ port: 80, nodePort: 30080 }]))));
    ok(await store.delete(SVC, "default", "a"));
    expect(await held()).toEqual([]);
    ok(await store.create(SVC, service("b", web([{ port: 80, nodePort: 30080 }]))));
  }, 20_000);
});

describe("LoadBalancer node ports", () => {
  it("allocates none with allocateLoadBalancerNodePorts false, but holds a port asked for", async () => {
    const { store, held } = cluster();
    const lb = ok(
      await store.create(
        SVC,
        service(
          "lb",
          web(
            [
              { name: "http", port: 80 },
              { name: "https", port: 443, nodePort: 30443 },
            ],
            "LoadBalancer",
            { allocateLoadBalancerNodePorts: false },
          ),
        ),
      ),
    );
    expect(nodePortsOf(lb)).toEqual([undefined, 30443]);
    expect(await held()).toEqual(["30443 default/lb"]);
    const allocated = ok(await store.create(SVC, service("lb2", web([{ port: 80 }], "LoadBalancer"))));
    expect(nodePortsOf(allocated)[0]).toBeGreaterThanOrEqual(30000);
  }, 20_000);

  it("allocates a healthCheckNodePort for externalTrafficPolicy Local and gives it back for Cluster", async () => {
    const { store, held } = cluster();
    const lb = ok(
      await store.create(
        SVC,
        service("lb", web([{ port: 80, nodePort: 30080 }], "LoadBalancer", { externalTrafficPolicy: "Local" })),
      ),
    );
    const hc = specOf(lb).healthCheckNodePort as number;
    expect(hc).toBeGreaterThanOrEqual(30000);
    expect(await held()).toEqual(["30080 default/lb", `${hc} default/lb`].sort());
    // Left out on update: kept.
    const same = ok(await update(store, "lb", web([{ port: 80 }], "LoadBalancer", { externalTrafficPolicy: "Local" })));
    expect(specOf(same).healthCheckNodePort).toBe(hc);
    // Changed to Cluster with the old value left in: dropped and given back.
    const toCluster = ok(await update(store, "lb", { ...specOf(same), externalTrafficPolicy: "Cluster" }));
    expect(specOf(toCluster)).not.toHaveProperty("healthCheckNodePort");
    expect(await held()).toEqual(["30080 default/lb"]);
    const asked = failure(
      await store.create(
        SVC,
        service(
          "other",
          web([{ port: 80 }], "LoadBalancer", { externalTrafficPolicy: "Local", healthCheckNodePort: 30080 }),
        ),
      ),
    );
    expect(asked).toMatchObject({
      code: 500,
      message:
        "Internal error occurred: failed to allocate requested HealthCheck NodePort 30080: provided port is already allocated",
    });
    expect(await held()).toEqual(["30080 default/lb"]);
  }, 20_000);
});

describe("over HTTP", () => {
  // Admission (in the Worker) cannot know the old type, so it leaves the node port checks to the store.
  it("turns a NodePort Service into a ClusterIP one with a merge patch of the type alone", async () => {
    const name = `np${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    const call = async (path: string, method: string, body: unknown, type = "application/json") => {
      const headers = { authorization: "Bearer test", "content-type": type };
      const r = await exports.default.fetch(
        new Request(`https://kflare.test${path}`, { method, headers, body: JSON.stringify(body) }),
      );
      return { status: r.status, body: (await r.json()) as KubeObject };
    };
    expect((await call("/kflare/v1/clusters", "POST", { metadata: { name } })).status).toBe(201);
    const services = `/clusters/${name}/api/v1/namespaces/default/services`;
    const created = await call(services, "POST", { metadata: { name: "web" }, spec: web([{ port: 80 }]) });
    expect(created.status).toBe(201);
    expect(nodePortsOf(created.body)[0]).toBeGreaterThanOrEqual(30000);
    const patched = await call(
      `${services}/web`,
      "PATCH",
      { spec: { type: "ClusterIP" } },
      "application/merge-patch+json",
    );
    expect(patched.status).toBe(200);
    expect(specOf(patched.body).ports).toEqual([{ port: 80, protocol: "TCP", targetPort: 80 }]);
    expect(specOf(patched.body)).not.toHaveProperty("externalTrafficPolicy");
  }, 20_000);
});
