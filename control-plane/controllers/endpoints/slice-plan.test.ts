import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import type { Action } from "../types.ts";
import { MANAGED_BY, MAX_ENDPOINTS_PER_SLICE, planEndpointSlices } from "./slice-plan.ts";
import { pod, service } from "./testing.ts";

type Created = Extract<Action, { type: "create" | "update" }>;

function writes(actions: Action[]): KubeObject[] {
  return actions.filter((a): a is Created => a.type === "create" || a.type === "update").map((a) => a.object);
}

/** What the store would hold after the plan: created slices get names, updates replace. */
function apply(slices: KubeObject[], actions: Action[]): KubeObject[] {
  let out = [...slices];
  let n = out.length;
  for (const a of actions) {
    if (a.type === "create") out.push({ ...a.object, metadata: { ...a.object.metadata, name: `web-${n++}` } });
    if (a.type === "update") out = out.map((s) => (s.metadata.name === a.object.metadata.name ? a.object : s));
    if (a.type === "delete") out = out.filter((s) => s.metadata.name !== a.name);
  }
  return out;
}

function addresses(slices: KubeObject[]): string[] {
  return slices
    .flatMap((s) => (s.endpoints as { addresses: string[] }[] | undefined) ?? [])
    .flatMap((e) => e.addresses)
    .sort();
}

describe("EndpointSlice plan", () => {
  it("makes one slice with the selected pods, their conditions, node, target and resolved port", () => {
    const svc = service("web", { labels: { team: "a" } });
    const pods = [
      pod("a", { ip: "10.42.0.5" }),
      pod("b", { ip: "10.42.1.7", ready: false, node: "pi-2" }),
      pod("other", { ip: "10.42.0.9", labels: { app: "db" } }),
      pod("pending", {}),
      pod("done", { ip: "10.42.0.10", phase: "Succeeded" }),
    ];
    const actions = planEndpointSlices({ service: svc, pods, slices: [] });
    expect(actions.map((a) => a.type)).toEqual(["create"]);
    const [slice] = writes(actions);
    expect(slice!.metadata).toMatchObject({
      generateName: "web-",
      namespace: "default",
      labels: { team: "a", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": MANAGED_BY },
      ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: "uid-svc-web", controller: true }],
    });
    expect(slice).toMatchObject({
      addressType: "IPv4",
      ports: [{ name: "", port: 8080, protocol: "TCP" }],
      endpoints: [
        {
          addresses: ["10.42.0.5"],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: "pi-1",
          targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "uid-a" },
        },
        {
          addresses: ["10.42.1.7"],
          conditions: { ready: false, serving: false, terminating: false },
          nodeName: "pi-2",
        },
      ],
    });
  });

  it("publishes terminating pods as not ready but still serving; publishNotReadyAddresses makes all ready", () => {
    const pods = [pod("a", { ip: "10.42.0.5", deleting: true }), pod("b", { ip: "10.42.0.6", ready: false })];
    const [slice] = writes(planEndpointSlices({ service: service("web"), pods, slices: [] }));
    expect((slice!.endpoints as { conditions: unknown }[]).map((e) => e.conditions)).toEqual([
      { ready: false, serving: true, terminating: true },
      { ready: false, serving: false, terminating: false },
    ]);
    const [all] = writes(
      planEndpointSlices({ service: service("web", { publishNotReadyAddresses: true }), pods, slices: [] }),
    );
    expect((all!.endpoints as { conditions: { ready: boolean } }[]).map((e) => e.conditions.ready)).toEqual([
      true,
      true,
    ]);
  });

  it("is stable: a second run over its own result changes nothing", () => {
    const svc = service("web");
    const pods = [pod("a", { ip: "10.42.0.5" }), pod("b", { ip: "10.42.0.6" })];
    const slices = apply([], planEndpointSlices({ service: svc, pods, slices: [] }));
    expect(planEndpointSlices({ service: svc, pods, slices })).toEqual([]);
  });

  it("keeps one empty placeholder slice when nothing is selected, and replaces it once pods come", () => {
    const svc = service("web");
    const first = planEndpointSlices({ service: svc, pods: [], slices: [] });
    expect(writes(first)[0]).toMatchObject({ endpoints: [], ports: [] });
    const slices = apply([], first);
    expect(planEndpointSlices({ service: svc, pods: [], slices })).toEqual([]);
    const next = planEndpointSlices({ service: svc, pods: [pod("a", { ip: "10.42.0.5" })], slices });
    expect(next.map((a) => a.type).sort()).toEqual(["create", "delete"]);
    expect(addresses(apply(slices, next))).toEqual(["10.42.0.5"]);
  });

  it("splits pods whose named port resolves differently into separate slices", () => {
    const svc = service("web");
    const pods = [
      pod("a", { ip: "10.42.0.5" }),
      pod("b", { ip: "10.42.0.6", ports: [{ name: "http", containerPort: 9090 }] }),
      pod("c", { ip: "10.42.0.7", ports: [{ name: "metrics", containerPort: 9100 }] }),
    ];
    const created = writes(planEndpointSlices({ service: svc, pods, slices: [] }));
    const byPort = created.map((s) => [(s.ports as { port: number }[]).map((p) => p.port), addresses([s])]);
    // c serves none of the Service's ports: it gets a slice without ports, as upstream does.
    expect(byPort).toEqual([
      [[8080], ["10.42.0.5"]],
      [[9090], ["10.42.0.6"]],
      [[], ["10.42.0.7"]],
    ]);
  });

  it("keeps endpoints where they are, fills slices with room and caps slices at 100", () => {
    const svc = service("web");
    const many = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) =>
        pod(`p${from + i}`, { ip: `10.42.${Math.floor((from + i) / 250)}.${((from + i) % 250) + 1}` }),
      );
    let slices = apply([], planEndpointSlices({ service: svc, pods: many(150), slices: [] }));
    expect(slices.map((s) => (s.endpoints as unknown[]).length)).toEqual([MAX_ENDPOINTS_PER_SLICE, 50]);
    // Removing 10 pods from the first slice and adding 20: the first slice takes 10, the second 10.
    const pods = [...many(140, 10), ...many(20, 150)];
    const actions = planEndpointSlices({ service: svc, pods, slices });
    expect(actions.map((a) => a.type)).toEqual(["update", "update"]);
    slices = apply(slices, actions);
    expect(slices.map((s) => (s.endpoints as unknown[]).length)).toEqual([100, 60]);
    expect(addresses(slices)).toHaveLength(160);
    // Scaling to 0 leaves the placeholder only.
    slices = apply(slices, planEndpointSlices({ service: svc, pods: [], slices }));
    expect(slices.map((s) => s.endpoints)).toEqual([[]]);
  });

  it("updates only the slice whose endpoint changed readiness", () => {
    const svc = service("web");
    const pods = Array.from({ length: 120 }, (_, i) => pod(`p${i}`, { ip: `10.42.0.${i + 1}` }));
    const slices = apply([], planEndpointSlices({ service: svc, pods, slices: [] }));
    pods[110] = pod("p110", { ip: "10.42.0.111", ready: false });
    const actions = planEndpointSlices({ service: svc, pods, slices });
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ type: "update", object: { metadata: { name: slices[1]!.metadata.name } } });
  });

  it("marks headless Services' slices and publishes hostnames of pods in their subdomain", () => {
    const svc = service("db", { clusterIP: "None", ports: [{ port: 5432, targetPort: 5432 }] });
    const pods = [pod("db-0", { ip: "10.42.0.5", hostname: "db-0", subdomain: "db" })];
    const [slice] = writes(planEndpointSlices({ service: svc, pods, slices: [] }));
    expect(slice!.metadata.labels?.["service.kubernetes.io/headless"]).toBe("");
    expect(slice).toMatchObject({ endpoints: [{ hostname: "db-0" }], ports: [{ port: 5432 }] });
  });

  it("leaves Services without a selector and ExternalName Services alone", () => {
    const pods = [pod("a", { ip: "10.42.0.5" })];
    expect(planEndpointSlices({ service: service("web", { selector: null }), pods, slices: [] })).toEqual([]);
    expect(planEndpointSlices({ service: service("web", { type: "ExternalName" }), pods, slices: [] })).toEqual([]);
  });

  it("deletes a managed slice owned by an earlier Service of the same name", () => {
    const svc = service("web");
    const old = apply(
      [],
      planEndpointSlices({ service: { ...svc, metadata: { ...svc.metadata, uid: "old" } }, pods: [], slices: [] }),
    );
    const actions = planEndpointSlices({ service: svc, pods: [], slices: old });
    expect(actions.map((a) => a.type)).toEqual(["delete", "create"]);
  });

  it("follows the Service's labels", () => {
    const pods = [pod("a", { ip: "10.42.0.5" })];
    const slices = apply([], planEndpointSlices({ service: service("web"), pods, slices: [] }));
    const [update] = planEndpointSlices({ service: service("web", { labels: { tier: "front" } }), pods, slices });
    expect(update).toMatchObject({ type: "update", object: { metadata: { labels: { tier: "front" } } } });
  });
});
