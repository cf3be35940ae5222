import { describe, expect, it } from "vitest";
import { decodeProtobufObject } from "./decode.ts";
import { NodeSchema } from "./gen/api/core/v1/node_pb.ts";
import {
  BindingSchema,
  ConfigMapSchema,
  EventSchema,
  NamespaceSchema,
  SecretSchema,
  ServiceAccountSchema,
} from "./gen/api/core/v1/object_pb.ts";
import { EndpointsSchema, ServiceSchema } from "./gen/api/core/v1/service_pb.ts";
import { body } from "./test-support.ts";

/** 2026-01-02T03:04:05Z */
const T = 1767323045n;

describe("core/v1 kinds", () => {
  it("Namespace", () => {
    const bytes = body(NamespaceSchema, "v1", "Namespace", {
      metadata: { name: "demo", labels: { team: "a" } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active", conditions: [{ type: "NamespaceDeletionDiscoveryFailure", status: "False" }] },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "demo", labels: { team: "a" } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active", conditions: [{ type: "NamespaceDeletionDiscoveryFailure", status: "False" }] },
    });
  });

  it("Secret with binary data, as Helm stores releases", () => {
    const bytes = body(SecretSchema, "v1", "Secret", {
      metadata: { name: "sh.helm.release.v1.demo.v1", namespace: "default", labels: { owner: "helm" } },
      data: { release: new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0xff]), empty: new Uint8Array(0) },
      stringData: { note: "plain" },
      type: "helm.sh/release.v1",
      immutable: false,
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "sh.helm.release.v1.demo.v1", namespace: "default", labels: { owner: "helm" } },
      data: { release: "H4sIAP8=", empty: "" },
      stringData: { note: "plain" },
      type: "helm.sh/release.v1",
      immutable: false,
    });
  });

  it("ConfigMap with data and binaryData", () => {
    const bytes = body(ConfigMapSchema, "v1", "ConfigMap", {
      metadata: { name: "cfg" },
      data: { "app.conf": "a=1\n" },
      binaryData: { logo: new Uint8Array([0, 1, 2]) },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cfg" },
      data: { "app.conf": "a=1\n" },
      binaryData: { logo: "AAEC" },
    });
  });

  it("ServiceAccount", () => {
    const bytes = body(ServiceAccountSchema, "v1", "ServiceAccount", {
      metadata: { name: "builder", namespace: "ci" },
      secrets: [{ name: "builder-token" }],
      imagePullSecrets: [{ name: "registry" }],
      automountServiceAccountToken: false,
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "builder", namespace: "ci" },
      secrets: [{ name: "builder-token" }],
      imagePullSecrets: [{ name: "registry" }],
      automountServiceAccountToken: false,
    });
  });

  it("Service with IntOrString target ports and a load balancer status", () => {
    const bytes = body(ServiceSchema, "v1", "Service", {
      metadata: { name: "web" },
      spec: {
        type: "LoadBalancer",
        selector: { app: "web" },
        ports: [
          { name: "http", protocol: "TCP", port: 80, targetPort: { type: 1n, strVal: "http" } },
          { name: "metrics", port: 9090, targetPort: { intVal: 9091 }, nodePort: 30090 },
        ],
        clusterIP: "10.0.0.10",
        clusterIPs: ["10.0.0.10"],
        ipFamilies: ["IPv4"],
        ipFamilyPolicy: "SingleStack",
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        allocateLoadBalancerNodePorts: true,
        externalTrafficPolicy: "Cluster",
        internalTrafficPolicy: "Cluster",
      },
      status: {
        loadBalancer: { ingress: [{ ip: "192.0.2.7", ipMode: "VIP", ports: [{ port: 80, protocol: "TCP" }] }] },
        conditions: [{ type: "Ready", status: "True", lastTransitionTime: { seconds: T }, reason: "Ok", message: "" }],
      },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: {
        type: "LoadBalancer",
        selector: { app: "web" },
        ports: [
          { name: "http", protocol: "TCP", port: 80, targetPort: "http" },
          { name: "metrics", port: 9090, targetPort: 9091, nodePort: 30090 },
        ],
        clusterIP: "10.0.0.10",
        clusterIPs: ["10.0.0.10"],
        ipFamilies: ["IPv4"],
        ipFamilyPolicy: "SingleStack",
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        allocateLoadBalancerNodePorts: true,
        externalTrafficPolicy: "Cluster",
        internalTrafficPolicy: "Cluster",
      },
      status: {
        loadBalancer: { ingress: [{ ip: "192.0.2.7", ipMode: "VIP", ports: [{ port: 80, protocol: "TCP" }] }] },
        // message has no omitempty in Go: present, so kept even though empty.
        conditions: [
          { type: "Ready", status: "True", lastTransitionTime: "2026-01-02T03:04:05Z", reason: "Ok", message: "" },
        ],
      },
    });
  });

  it("Endpoints", () => {
    const bytes = body(EndpointsSchema, "v1", "Endpoints", {
      metadata: { name: "web" },
      subsets: [
        {
          addresses: [{ ip: "10.1.0.5", nodeName: "pi-1", targetRef: { kind: "Pod", name: "web-1", namespace: "d" } }],
          notReadyAddresses: [{ ip: "10.1.0.6" }],
          ports: [{ name: "http", port: 8080, protocol: "TCP" }],
        },
      ],
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "web" },
      subsets: [
        {
          addresses: [{ ip: "10.1.0.5", nodeName: "pi-1", targetRef: { kind: "Pod", name: "web-1", namespace: "d" } }],
          notReadyAddresses: [{ ip: "10.1.0.6" }],
          ports: [{ name: "http", port: 8080, protocol: "TCP" }],
        },
      ],
    });
  });

  it("Binding", () => {
    const bytes = body(BindingSchema, "v1", "Binding", {
      metadata: { name: "web-1", namespace: "default" },
      target: { apiVersion: "v1", kind: "Node", name: "pi-1" },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: "web-1", namespace: "default" },
      target: { apiVersion: "v1", kind: "Node", name: "pi-1" },
    });
  });

  it("Event with Time and MicroTime", () => {
    const bytes = body(EventSchema, "v1", "Event", {
      metadata: { name: "web-1.1", namespace: "default" },
      involvedObject: { kind: "Pod", name: "web-1", uid: "u-1", fieldPath: "spec.containers{web}" },
      reason: "Pulled",
      message: "Image pulled",
      source: { component: "kubelet", host: "pi-1" },
      firstTimestamp: { seconds: T },
      lastTimestamp: { seconds: T + 60n, nanos: 999 },
      count: 2,
      type: "Normal",
      eventTime: { seconds: T, nanos: 123456789 },
      series: { count: 3, lastObservedTime: { seconds: T, nanos: 1000 } },
      reportingComponent: "",
      reportingInstance: "pi-1",
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web-1.1", namespace: "default" },
      involvedObject: { kind: "Pod", name: "web-1", uid: "u-1", fieldPath: "spec.containers{web}" },
      reason: "Pulled",
      message: "Image pulled",
      source: { component: "kubelet", host: "pi-1" },
      firstTimestamp: "2026-01-02T03:04:05Z",
      lastTimestamp: "2026-01-02T03:05:05Z",
      count: 2,
      type: "Normal",
      eventTime: "2026-01-02T03:04:05.123456Z",
      series: { count: 3, lastObservedTime: "2026-01-02T03:04:05.000001Z" },
      reportingComponent: "",
      reportingInstance: "pi-1",
    });
  });

  it("Node with spec and status", () => {
    const bytes = body(NodeSchema, "v1", "Node", {
      metadata: { name: "pi-1", labels: { "kubernetes.io/arch": "arm64" } },
      spec: {
        podCIDR: "10.1.0.0/24",
        podCIDRs: ["10.1.0.0/24"],
        unschedulable: true,
        taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule", timeAdded: { seconds: T } }],
      },
      status: {
        capacity: { cpu: { string: "4" }, memory: { string: "8Gi" }, pods: { string: "110" } },
        allocatable: { cpu: { string: "3800m" }, memory: {} },
        phase: "Running",
        conditions: [
          { type: "Ready", status: "True", lastHeartbeatTime: { seconds: T }, lastTransitionTime: { seconds: T } },
        ],
        addresses: [{ type: "InternalIP", address: "192.168.1.20" }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          architecture: "arm64",
          operatingSystem: "linux",
          kubeletVersion: "v1.35.0",
          swap: { capacity: 0n },
        },
        images: [{ names: ["nginx:1.27"], sizeBytes: 72000000n }],
        runtimeHandlers: [{ name: "runc", features: { recursiveReadOnlyMounts: true, userNamespaces: false } }],
        features: { supplementalGroupsPolicy: true },
      },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "pi-1", labels: { "kubernetes.io/arch": "arm64" } },
      spec: {
        podCIDR: "10.1.0.0/24",
        podCIDRs: ["10.1.0.0/24"],
        unschedulable: true,
        taints: [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule", timeAdded: "2026-01-02T03:04:05Z" }],
      },
      status: {
        capacity: { cpu: "4", memory: "8Gi", pods: "110" },
        allocatable: { cpu: "3800m", memory: "0" },
        phase: "Running",
        conditions: [
          {
            type: "Ready",
            status: "True",
            lastHeartbeatTime: "2026-01-02T03:04:05Z",
            lastTransitionTime: "2026-01-02T03:04:05Z",
          },
        ],
        addresses: [{ type: "InternalIP", address: "192.168.1.20" }],
        // "Port" is capitalised in Kubernetes JSON too.
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: { architecture: "arm64", operatingSystem: "linux", kubeletVersion: "v1.35.0", swap: { capacity: 0 } },
        images: [{ names: ["nginx:1.27"], sizeBytes: 72000000 }],
        runtimeHandlers: [{ name: "runc", features: { recursiveReadOnlyMounts: true, userNamespaces: false } }],
        features: { supplementalGroupsPolicy: true },
      },
    });
  });
});
