import type { MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { decodeProtobufObject } from "./decode.ts";
import { DeploymentSchema, ReplicaSetSchema } from "./gen/api/apps/v1/apps_pb.ts";
import type { PodSpecSchema } from "./gen/api/core/v1/pod_pb.ts";
import { body } from "./test-support.ts";

/** What `kubectl create deployment web --image=nginx` would carry, plus every container feature. */
const specInit: MessageInitShape<typeof PodSpecSchema> = {
  containers: [
    {
      name: "web",
      image: "nginx:1.27",
      command: ["nginx"],
      args: ["-g", "daemon off;"],
      ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
      env: [
        { name: "PLAIN", value: "x" },
        { name: "EMPTY", value: "" },
        { name: "POD", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
        {
          name: "MEM",
          valueFrom: {
            resourceFieldRef: { containerName: "web", resource: "limits.memory", divisor: { string: "1Mi" } },
          },
        },
        { name: "CFG", valueFrom: { configMapKeyRef: { localObjectReference: { name: "cfg" }, key: "k" } } },
        { name: "PW", valueFrom: { secretKeyRef: { localObjectReference: { name: "s" }, key: "pw", optional: true } } },
      ],
      envFrom: [
        { configMapRef: { localObjectReference: { name: "cfg" } } },
        { prefix: "S_", secretRef: { localObjectReference: { name: "s" }, optional: false } },
      ],
      resources: {
        limits: { cpu: { string: "500m" }, memory: { string: "128Mi" } },
        requests: { cpu: { string: "0.25" }, memory: { string: "64Mi" } },
      },
      volumeMounts: [{ name: "data", mountPath: "/data", readOnly: true, subPath: "web" }],
      livenessProbe: {
        handler: { httpGet: { path: "/healthz", port: { type: 1n, strVal: "http" }, scheme: "HTTP" } },
        initialDelaySeconds: 5,
        periodSeconds: 10,
        failureThreshold: 3,
      },
      readinessProbe: { handler: { tcpSocket: { port: { intVal: 80 } } }, timeoutSeconds: 1 },
      startupProbe: { handler: { exec: { command: ["cat", "/ready"] } }, terminationGracePeriodSeconds: 0n },
      lifecycle: { preStop: { sleep: { seconds: 5n } }, postStart: { exec: { command: ["true"] } } },
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000n,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      imagePullPolicy: "IfNotPresent",
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
    },
  ],
  restartPolicy: "Always",
  terminationGracePeriodSeconds: 30n,
  dnsPolicy: "ClusterFirst",
  securityContext: { fsGroup: 2000n },
  schedulerName: "default-scheduler",
};

const specJson = {
  containers: [
    {
      name: "web",
      image: "nginx:1.27",
      command: ["nginx"],
      args: ["-g", "daemon off;"],
      ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
      env: [
        { name: "PLAIN", value: "x" },
        { name: "EMPTY" },
        { name: "POD", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
        {
          name: "MEM",
          valueFrom: { resourceFieldRef: { containerName: "web", resource: "limits.memory", divisor: "1Mi" } },
        },
        { name: "CFG", valueFrom: { configMapKeyRef: { name: "cfg", key: "k" } } },
        { name: "PW", valueFrom: { secretKeyRef: { name: "s", key: "pw", optional: true } } },
      ],
      envFrom: [{ configMapRef: { name: "cfg" } }, { prefix: "S_", secretRef: { name: "s", optional: false } }],
      resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "0.25", memory: "64Mi" } },
      volumeMounts: [{ name: "data", mountPath: "/data", readOnly: true, subPath: "web" }],
      livenessProbe: {
        httpGet: { path: "/healthz", port: "http", scheme: "HTTP" },
        initialDelaySeconds: 5,
        periodSeconds: 10,
        failureThreshold: 3,
      },
      readinessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 1 },
      startupProbe: { exec: { command: ["cat", "/ready"] }, terminationGracePeriodSeconds: 0 },
      lifecycle: { preStop: { sleep: { seconds: 5 } }, postStart: { exec: { command: ["true"] } } },
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      imagePullPolicy: "IfNotPresent",
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
    },
  ],
  restartPolicy: "Always",
  terminationGracePeriodSeconds: 30,
  dnsPolicy: "ClusterFirst",
  securityContext: { fsGroup: 2000 },
  schedulerName: "default-scheduler",
};

describe("apps/v1 kinds", () => {
  it("Deployment with a full pod template, percent and integer IntOrStrings", () => {
    const bytes = body(DeploymentSchema, "apps/v1", "Deployment", {
      metadata: { name: "web", namespace: "default", labels: { app: "web" } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: specInit },
        strategy: {
          type: "RollingUpdate",
          rollingUpdate: { maxSurge: { type: 1n, strVal: "25%" }, maxUnavailable: { intVal: 1 } },
        },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {
        observedGeneration: 2n,
        replicas: 3,
        readyReplicas: 3,
        conditions: [{ type: "Available", status: "True", lastUpdateTime: { seconds: 1767323045n } }],
      },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "default", labels: { app: "web" } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: specJson },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {
        observedGeneration: 2,
        replicas: 3,
        readyReplicas: 3,
        conditions: [{ type: "Available", status: "True", lastUpdateTime: "2026-01-02T03:04:05Z" }],
      },
    });
  });

  it("ReplicaSet: a present zero status.replicas is kept (no omitempty in Go)", () => {
    const bytes = body(ReplicaSetSchema, "apps/v1", "ReplicaSet", {
      metadata: {
        name: "web-5d9c",
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: "web",
            uid: "u-1",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { replicas: 0, selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] } },
      status: { replicas: 0, observedGeneration: 1n, conditions: [{ type: "ReplicaFailure", status: "True" }] },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: "web-5d9c",
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: "web",
            uid: "u-1",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { replicas: 0, selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] } },
      status: { replicas: 0, observedGeneration: 1, conditions: [{ type: "ReplicaFailure", status: "True" }] },
    });
  });
});
