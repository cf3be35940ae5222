import { describe, expect, it } from "vitest";
import type { Node } from "../../../schemas/core/node.ts";
import { namespaceStrategy } from "./namespace.ts";
import { nodeStrategy } from "./node.ts";
import { leaseStrategy, runtimeClassStrategy, serviceAccountStrategy } from "./simple.ts";

describe("Namespace", () => {
  it("is Active with the kubernetes finalizer and its name label", () => {
    const { object } = namespaceStrategy.decode(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } },
      "Strict",
    );
    namespaceStrategy.applyDefaults(object);
    namespaceStrategy.prepareForCreate(object);
    expect(object).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "demo", labels: { "kubernetes.io/metadata.name": "demo" } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
    expect(namespaceStrategy.validate(object)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ["a name with dots", { name: "a.b" }, "metadata.name", 'Invalid value: "a.b": must not contain dots'],
    [
      "a namespace of its own",
      { name: "x", namespace: "default" },
      "metadata.namespace",
      "Forbidden: not allowed on this type",
    ],
  ])("refuses %s", (_name, metadata, field, message) => {
    const { object } = namespaceStrategy.decode({ apiVersion: "v1", kind: "Namespace", metadata }, "Strict");
    expect(namespaceStrategy.validate(object)).toEqual([expect.objectContaining({ field, message })]);
  });

  it("refuses a finalizer that is neither standard nor qualified", () => {
    const { object } = namespaceStrategy.decode(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "x" }, spec: { finalizers: ["custom"] } },
      "Strict",
    );
    expect(namespaceStrategy.validate(object)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.finalizers",
        message: 'Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
      },
    ]);
  });
});

describe("Node", () => {
  function node(spec: Record<string, unknown>, status?: Record<string, unknown>): Node {
    const { object } = nodeStrategy.decode(
      { apiVersion: "v1", kind: "Node", metadata: { name: "pi-1" }, spec, status },
      "Strict",
    );
    nodeStrategy.applyDefaults(object);
    return object;
  }

  it("mirrors podCIDR and defaults allocatable to capacity", () => {
    const n = node({ podCIDR: "10.244.1.0/24" }, { capacity: { cpu: "4", memory: "8Gi", pods: "110" } });
    expect(n.spec?.podCIDRs).toEqual(["10.244.1.0/24"]);
    expect(n.status?.allocatable).toEqual({ cpu: "4", memory: "8Gi", pods: "110" });
    expect(nodeStrategy.validate(n)).toEqual([]);
  });

  it("checks taints", () => {
    const n = node({
      taints: [
        { key: "dedicated", value: "edge", effect: "NoSchedule" },
        { key: "dedicated", value: "other", effect: "NoSchedule" },
        { key: "gpu", effect: "Sometimes" },
      ],
    });
    expect(nodeStrategy.validate(n)).toEqual([
      expect.objectContaining({
        field: "spec.taints[1]",
        message: expect.stringContaining("taints must be unique by key and effect pair"),
      }),
      {
        reason: "FieldValueNotSupported",
        field: "spec.taints[2].effect",
        message: 'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      },
    ]);
  });

  it("keeps an assigned podCIDR", () => {
    expect(nodeStrategy.validateUpdate(node({ podCIDR: "10.244.2.0/24" }), node({ podCIDR: "10.244.1.0/24" }))).toEqual(
      [
        {
          reason: "FieldValueForbidden",
          field: "spec.podCIDRs",
          message: 'Forbidden: node updates may not change podCIDR except from "" to valid',
        },
      ],
    );
    expect(nodeStrategy.validateUpdate(node({ podCIDR: "10.244.2.0/24" }), node({}))).toEqual([]);
  });
});

describe("Lease, RuntimeClass, ServiceAccount", () => {
  it("validates a node heartbeat lease", () => {
    const body = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "pi-1", namespace: "kube-node-lease" },
      spec: { holderIdentity: "pi-1", leaseDurationSeconds: 40, renewTime: "2024-05-01T10:00:00.5Z" },
    };
    const { object } = leaseStrategy.decode(body, "Strict");
    expect(object.spec?.renewTime).toBe("2024-05-01T10:00:00.500000Z");
    expect(leaseStrategy.validate(object)).toEqual([]);
    object.spec = { leaseDurationSeconds: 0 };
    expect(leaseStrategy.validate(object)).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.leaseDurationSeconds",
        message: "Invalid value: 0: must be greater than 0",
      },
    ]);
  });

  it("requires a DNS-label handler that never changes", () => {
    const decode = (handler: string) =>
      runtimeClassStrategy.decode(
        { apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name: "wasm" }, handler },
        "Strict",
      ).object;
    expect(runtimeClassStrategy.validate(decode("wasmtime"))).toEqual([]);
    expect(runtimeClassStrategy.validate(decode(""))).toEqual([
      { reason: "FieldValueRequired", field: "handler", message: "Required value" },
    ]);
    expect(runtimeClassStrategy.validateUpdate(decode("runc"), decode("wasmtime"))).toEqual([
      { reason: "FieldValueInvalid", field: "handler", message: 'Invalid value: "runc": field is immutable' },
    ]);
  });

  it("accepts a ServiceAccount", () => {
    const { object } = serviceAccountStrategy.decode(
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: "demo" },
        automountServiceAccountToken: false,
      },
      "Strict",
    );
    expect(serviceAccountStrategy.validate(object)).toEqual([]);
  });
});
