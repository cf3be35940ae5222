// createdFieldsV1, the one-walk FieldsV1 of a new object, against the general path it shortcuts
// (the changed fields from nothing, as a set, written as FieldsV1): equal, key order included, for
// the shapes clients create and for odd ones (nulls, empty maps and lists, sets, atomic lists,
// keyed-list elements without their key, metadata holding only what the server owns).
import { describe, expect, it } from "vitest";
import { toFieldsV1 } from "./field-path.ts";
import { changedFields, createdFieldsV1 } from "./field-walk.ts";
import { metaOf } from "./managed-fields.ts";

const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web",
    namespace: "default",
    uid: "u",
    resourceVersion: "5",
    creationTimestamp: "2026-01-01T00:00:00Z",
    labels: { app: "web", "pod-template-hash": "5d8f" },
    annotations: {},
    finalizers: ["b.example/x", "a.example/y"],
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "r", controller: true }],
  },
  spec: {
    nodeName: "n1",
    containers: [
      {
        name: "web",
        image: "myapp:1.2.0",
        command: ["node", "server.js"],
        ports: [
          { containerPort: 3000, protocol: "TCP" },
          { containerPort: 53, protocol: "UDP", name: "dns" },
          { containerPort: 8080 }, // the protocol key field is defaulted
        ],
        env: [{ name: "PORT", value: "3000" }, { name: "EMPTY" }, { value: "no name: not keyed" }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: {} },
        volumeMounts: [],
      },
      { name: "side", image: "busybox", args: [] },
    ],
    volumes: [{ name: "data", emptyDir: {} }],
    tolerations: [{ key: "a", operator: "Exists" }],
    securityContext: null,
    hostNetwork: false,
  },
  status: { phase: "Pending", conditions: [{ type: "Ready", status: "False" }] },
};

/** Keys in an order far from sorted (reversed, then interleaved), `n` of them. */
function scrambledKeys(n: number): Record<string, string> {
  const names = Array.from({ length: n }, (_, i) => `k${String(i).padStart(2, "0")}`).reverse();
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i += 2) out[names[i]!] = "v";
  for (let i = 1; i < n; i += 2) out[names[i]!] = "v";
  // Names that differ only in case or by a digit sort by code unit, as sort() does.
  out.B = "v";
  out.a = "v";
  out.k1 = "v";
  return out;
}

const cases: [string, Record<string, unknown>][] = [
  ["a pod with every kind of list", pod],
  [
    "a Deployment",
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web-app", labels: { app: "web-app" } },
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: "web-app" },
          matchExpressions: [{ key: "tier", operator: "In", values: ["a"] }],
        },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
        template: pod,
      },
    },
  ],
  [
    "a Service",
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-app" },
      spec: {
        selector: { app: "web-app" },
        ports: [
          { port: 80, targetPort: 3000 },
          { port: 443, protocol: "TCP" },
        ],
      },
    },
  ],
  ["a ConfigMap", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { "a.txt": "x", b: "" } }],
  ["metadata with only what the server owns", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }],
  ["metadata that is empty or null", { apiVersion: "v1", kind: "ConfigMap", metadata: null, data: {} }],
  [
    "a kind without a schema",
    {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w", labels: {} },
      spec: { list: [1, 2, { a: 1 }] },
    },
  ],
  [
    "a ConfigMap with short and long key lists out of order",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "keys", labels: scrambledKeys(9) },
      data: scrambledKeys(40),
    },
  ],
];

describe("createdFieldsV1", () => {
  it.each(cases)("writes what the general path writes for %s", (_what, obj) => {
    const meta = metaOf(obj);
    const general = toFieldsV1(changedFields(undefined, obj, meta));
    const created = createdFieldsV1(obj, meta);
    expect(JSON.stringify(created)).toBe(JSON.stringify(general));
  });

  it("owns a Service's fields as kube-apiserver records them", () => {
    const [, svc] = cases[2]!;
    expect(createdFieldsV1(svc, metaOf(svc))).toMatchObject({
      "f:spec": {
        "f:ports": {
          ".": {},
          'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {}, "f:targetPort": {} },
          'k:{"port":443,"protocol":"TCP"}': { ".": {}, "f:port": {}, "f:protocol": {} },
        },
        "f:selector": {},
      },
    });
    expect(createdFieldsV1(cases[4]![1], metaOf(cases[4]![1]))).toEqual({});
  });
});
