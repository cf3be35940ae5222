import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { MAX_ENDPOINT_ADDRESSES, OVER_CAPACITY_ANNOTATION, planEndpoints } from "./endpoints-plan.ts";
import { pod, service } from "./testing.ts";

function created(actions: ReturnType<typeof planEndpoints>): KubeObject {
  const a = actions[0];
  if (a?.type !== "create" && a?.type !== "update") throw new Error(`expected a write, got ${JSON.stringify(a)}`);
  return a.object;
}

describe("Endpoints plan", () => {
  it("names the object after the Service and splits ready from not-ready addresses, sorted", () => {
    const pods = [
      pod("b", { ip: "10.42.0.9" }),
      pod("a", { ip: "10.42.0.5" }),
      pod("c", { ip: "10.42.0.7", ready: false }),
      pod("gone", { ip: "10.42.0.8", deleting: true }),
    ];
    const ep = created(
      planEndpoints({ service: service("web", { labels: { app: "web" } }), pods, current: undefined }),
    );
    expect(ep.metadata).toMatchObject({ name: "web", namespace: "default", labels: { app: "web" } });
    expect(ep.subsets).toEqual([
      {
        addresses: [
          {
            ip: "10.42.0.5",
            nodeName: "pi-1",
            targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "uid-a" },
          },
          {
            ip: "10.42.0.9",
            nodeName: "pi-1",
            targetRef: { kind: "Pod", namespace: "default", name: "b", uid: "uid-b" },
          },
        ],
        notReadyAddresses: [
          {
            ip: "10.42.0.7",
            nodeName: "pi-1",
            targetRef: { kind: "Pod", namespace: "default", name: "c", uid: "uid-c" },
          },
        ],
        ports: [{ name: "", port: 8080, protocol: "TCP" }],
      },
    ]);
  });

  it("changes nothing when run over its own result, and deletes the object with its Service", () => {
    const svc = service("web");
    const pods = [pod("a", { ip: "10.42.0.5" })];
    const ep = {
      ...created(planEndpoints({ service: svc, pods, current: undefined })),
      metadata: { name: "web", namespace: "default", uid: "ep" },
    };
    expect(planEndpoints({ service: svc, pods, current: ep })).toEqual([]);
    expect(planEndpoints({ service: undefined, pods, current: ep })).toEqual([
      {
        type: "delete",
        resource: { group: "", version: "v1", plural: "endpoints" },
        namespace: "default",
        name: "web",
        uid: "ep",
      },
    ]);
  });

  it("leaves hand-made Endpoints of a Service without a selector alone", () => {
    const current: KubeObject = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "ext", namespace: "default" },
      subsets: [],
    };
    expect(planEndpoints({ service: service("ext", { selector: null }), pods: [], current })).toEqual([]);
  });

  it("truncates beyond 1000 addresses and says so", () => {
    const pods = Array.from({ length: 1005 }, (_, i) =>
      pod(`p${i}`, { ip: `10.42.${Math.floor(i / 250)}.${(i % 250) + 1}` }),
    );
    const ep = created(planEndpoints({ service: service("web"), pods, current: undefined }));
    expect((ep.subsets as { addresses: unknown[] }[])[0]!.addresses).toHaveLength(MAX_ENDPOINT_ADDRESSES);
    expect(ep.metadata.annotations?.[OVER_CAPACITY_ANNOTATION]).toBe("truncated");
  });

  it("includes terminating pods only with publishNotReadyAddresses, then as ready", () => {
    const pods = [pod("a", { ip: "10.42.0.5", deleting: true, ready: false })];
    const ep = created(
      planEndpoints({ service: service("web", { publishNotReadyAddresses: true }), pods, current: undefined }),
    );
    expect((ep.subsets as { addresses: { ip: string }[] }[])[0]!.addresses.map((a) => a.ip)).toEqual(["10.42.0.5"]);
  });
});
