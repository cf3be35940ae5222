import { describe, expect, it } from "vitest";
import { decodeProtobufObject } from "./decode.ts";
import { PodSchema } from "./gen/api/core/v1/pod_pb.ts";
import { body } from "./test-support.ts";

describe("core/v1 Pod", () => {
  it("volumes (flattened sources), scheduling and status", () => {
    const bytes = body(PodSchema, "v1", "Pod", {
      metadata: { name: "web-1" },
      spec: {
        volumes: [
          { name: "scratch", volumeSource: { emptyDir: { medium: "Memory", sizeLimit: { string: "1Gi" } } } },
          { name: "host", volumeSource: { hostPath: { path: "/var/log", type: "Directory" } } },
          { name: "cfg", volumeSource: { configMap: { localObjectReference: { name: "cfg" }, defaultMode: 420 } } },
          {
            name: "sec",
            volumeSource: { secret: { secretName: "s", items: [{ key: "a", path: "a.txt", mode: 256 }] } },
          },
          {
            name: "info",
            volumeSource: { downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
          },
          {
            name: "token",
            volumeSource: {
              projected: {
                sources: [
                  { serviceAccountToken: { audience: "vault", expirationSeconds: 3600n, path: "token" } },
                  {
                    configMap: {
                      localObjectReference: { name: "kube-root-ca.crt" },
                      items: [{ key: "ca.crt", path: "ca.crt" }],
                    },
                  },
                ],
                defaultMode: 420,
              },
            },
          },
          { name: "claim", volumeSource: { persistentVolumeClaim: { claimName: "data", readOnly: false } } },
          { name: "share", volumeSource: { nfs: { server: "nas.local", path: "/export" } } },
          { name: "legacy", volumeSource: { gitRepo: { repository: "https://example.com/r.git" } } },
        ],
        containers: [{ name: "c", image: "busybox" }],
        nodeSelector: { "kubernetes.io/arch": "arm64" },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] }],
            },
          },
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                podAffinityTerm: {
                  labelSelector: { matchLabels: { app: "web" } },
                  topologyKey: "kubernetes.io/hostname",
                },
              },
            ],
          },
        },
        tolerations: [
          { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300n },
        ],
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "zone",
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { app: "web" } },
          },
        ],
        securityContext: {
          runAsUser: 0n,
          supplementalGroups: [10n, 20n],
          sysctls: [{ name: "net.core.somaxconn", value: "1024" }],
        },
        priority: 0,
        enableServiceLinks: true,
      },
      status: {
        phase: "Running",
        podIP: "10.1.0.5",
        podIPs: [{ ip: "10.1.0.5" }],
        startTime: { seconds: 1767323045n },
        containerStatuses: [
          {
            name: "c",
            ready: true,
            restartCount: 0,
            image: "busybox",
            imageID: "",
            started: true,
            state: { running: { startedAt: { seconds: 1767323045n } } },
          },
        ],
      },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-1" },
      spec: {
        volumes: [
          { name: "scratch", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } },
          { name: "host", hostPath: { path: "/var/log", type: "Directory" } },
          { name: "cfg", configMap: { name: "cfg", defaultMode: 420 } },
          { name: "sec", secret: { secretName: "s", items: [{ key: "a", path: "a.txt", mode: 256 }] } },
          { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
          {
            name: "token",
            projected: {
              sources: [
                { serviceAccountToken: { audience: "vault", expirationSeconds: 3600, path: "token" } },
                { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
              ],
              defaultMode: 420,
            },
          },
          { name: "claim", persistentVolumeClaim: { claimName: "data" } },
          { name: "share", nfs: { server: "nas.local", path: "/export" } },
          { name: "legacy", gitRepo: { repository: "https://example.com/r.git" } },
        ],
        containers: [{ name: "c", image: "busybox" }],
        nodeSelector: { "kubernetes.io/arch": "arm64" },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] }],
            },
          },
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                podAffinityTerm: {
                  labelSelector: { matchLabels: { app: "web" } },
                  topologyKey: "kubernetes.io/hostname",
                },
              },
            ],
          },
        },
        tolerations: [
          { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        ],
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: "zone",
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { app: "web" } },
          },
        ],
        securityContext: {
          runAsUser: 0,
          supplementalGroups: [10, 20],
          sysctls: [{ name: "net.core.somaxconn", value: "1024" }],
        },
        priority: 0,
        enableServiceLinks: true,
      },
      status: {
        phase: "Running",
        podIP: "10.1.0.5",
        podIPs: [{ ip: "10.1.0.5" }],
        startTime: "2026-01-02T03:04:05Z",
        containerStatuses: [
          {
            name: "c",
            ready: true,
            restartCount: 0,
            image: "busybox",
            imageID: "",
            started: true,
            state: { running: { startedAt: "2026-01-02T03:04:05Z" } },
          },
        ],
      },
    });
  });
});
