import { describe, expect, it } from "vitest";
import { RESOURCES, resourceForKind } from "../../../schemas/registry.ts";
import { strategyFor } from "./index.ts";

describe("strategyFor", () => {
  it.each(RESOURCES.map((r) => [`${r.group || "core"}/${r.version} ${r.kind}`, r] as const))(
    "serves %s",
    (_name, r) => {
      expect(strategyFor(r)).toBeDefined();
    },
  );
});

const LABELS = {
  "helm.sh/chart": "demo-0.1.0",
  "app.kubernetes.io/name": "demo",
  "app.kubernetes.io/instance": "demo",
  "app.kubernetes.io/version": "1.16.0",
  "app.kubernetes.io/managed-by": "Helm",
};
const SELECTOR = { "app.kubernetes.io/name": "demo", "app.kubernetes.io/instance": "demo" };
const ANNOTATIONS = { "meta.helm.sh/release-name": "demo", "meta.helm.sh/release-namespace": "default" };

/** What `helm install` of a `helm create` chart (plus a ConfigMap) sends, and kubectl's dry-run output. */
const MANIFESTS: Record<string, unknown>[] = [
  {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "demo", namespace: "default", labels: LABELS, annotations: ANNOTATIONS },
    automountServiceAccountToken: true,
  },
  {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "demo-config", namespace: "default", labels: LABELS, annotations: ANNOTATIONS },
    data: { "app.properties": "greeting=hello\n", LOG_LEVEL: "info" },
  },
  {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "demo", namespace: "default", labels: LABELS, annotations: ANNOTATIONS },
    spec: {
      type: "ClusterIP",
      ports: [{ port: 80, targetPort: "http", protocol: "TCP", name: "http" }],
      selector: SELECTOR,
    },
  },
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "demo", namespace: "default", labels: LABELS, annotations: ANNOTATIONS },
    spec: {
      replicas: 1,
      selector: { matchLabels: SELECTOR },
      template: {
        metadata: { annotations: { "checksum/config": "3f2a" }, labels: LABELS },
        spec: {
          serviceAccountName: "demo",
          securityContext: { fsGroup: 2000, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "demo",
              securityContext: {
                capabilities: { drop: ["ALL"] },
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 1000,
                allowPrivilegeEscalation: false,
              },
              image: "nginx:1.16.0",
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
              envFrom: [{ configMapRef: { name: "demo-config" } }],
              env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
              livenessProbe: { httpGet: { path: "/", port: "http" } },
              readinessProbe: { httpGet: { path: "/", port: "http" }, initialDelaySeconds: 5 },
              startupProbe: { tcpSocket: { port: 80 }, failureThreshold: 30, periodSeconds: 2 },
              resources: { limits: { cpu: "100m", memory: "128Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
              volumeMounts: [
                { name: "config", mountPath: "/etc/demo", readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            {
              name: "config",
              configMap: { name: "demo-config", items: [{ key: "app.properties", path: "app.properties" }] },
            },
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
          ],
          nodeSelector: { "kubernetes.io/arch": "arm64" },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: { labelSelector: { matchLabels: SELECTOR }, topologyKey: "kubernetes.io/hostname" },
                },
              ],
            },
          },
          tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: SELECTOR },
            },
          ],
        },
      },
    },
  },
  {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "demo-test-connection",
      namespace: "default",
      labels: LABELS,
      annotations: { "helm.sh/hook": "test" },
    },
    spec: {
      containers: [{ name: "wget", image: "busybox", command: ["wget"], args: ["demo:80"] }],
      restartPolicy: "Never",
    },
  },
  {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: "sh.helm.release.v1.demo.v1",
      namespace: "default",
      labels: { name: "demo", owner: "helm", status: "deployed", version: "1" },
    },
    type: "helm.sh/release.v1",
    data: { release: "SDRzSUFBQUFBQUFDLw==" },
  },
  // `kubectl create deployment web --image=nginx --dry-run=client -o yaml`, as JSON.
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { creationTimestamp: null, labels: { app: "web" }, name: "web", namespace: "default" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      strategy: {},
      template: {
        metadata: { creationTimestamp: null, labels: { app: "web" } },
        spec: { containers: [{ image: "nginx", name: "nginx", resources: {} }] },
      },
    },
    status: {},
  },
];

describe("typical manifests", () => {
  it.each(MANIFESTS.map((m) => [`${m.kind} ${(m.metadata as { name: string }).name}`, m] as const))(
    "%s decodes in Strict mode and validates",
    (_name, manifest) => {
      const resource = resourceForKind(manifest.apiVersion as string, manifest.kind as string);
      if (!resource) throw new Error("unknown kind");
      const strategy = strategyFor(resource);
      const { object, warnings } = strategy.decode(manifest, "Strict");
      expect(warnings).toEqual([]);
      strategy.applyDefaults(object);
      strategy.prepareForCreate(object);
      expect(strategy.validate(object)).toEqual([]);
    },
  );
});

describe("objects as the server serves them", () => {
  it("decode again in Strict mode unchanged (kubectl replace and edit send them back)", () => {
    const rt = resourceForKind("v1", "Pod");
    if (!rt) throw new Error("no Pod");
    const strategy = strategyFor(rt);
    const pod = strategy.decode(MANIFESTS[4], "Strict").object;
    strategy.applyDefaults(pod);
    strategy.prepareForCreate(pod);
    const served = {
      ...pod,
      metadata: {
        ...pod.metadata,
        uid: "0b1c",
        resourceVersion: "42",
        creationTimestamp: "2024-05-01T10:00:00Z",
        managedFields: [
          {
            manager: "helm",
            operation: "Update",
            apiVersion: "v1",
            time: "2024-05-01T10:00:00Z",
            fieldsType: "FieldsV1",
            fieldsV1: { "f:spec": { "f:containers": { 'k:{"name":"wget"}': { ".": {} } } } },
          },
        ],
      },
      status: {
        phase: "Running",
        qosClass: "BestEffort",
        hostIP: "192.168.1.20",
        hostIPs: [{ ip: "192.168.1.20" }],
        podIP: "10.244.1.7",
        podIPs: [{ ip: "10.244.1.7" }],
        startTime: "2024-05-01T10:00:01Z",
        conditions: [
          { type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: "2024-05-01T10:00:03Z" },
        ],
        containerStatuses: [
          {
            name: "wget",
            ready: true,
            restartCount: 0,
            started: true,
            image: "docker.io/library/busybox:latest",
            imageID: "docker.io/library/busybox@sha256:abcd",
            containerID: "containerd://1234",
            state: { running: { startedAt: "2024-05-01T10:00:02Z" } },
            lastState: {},
          },
        ],
      },
    };
    const again = strategy.decode(JSON.parse(JSON.stringify(served)), "Strict");
    expect(again.warnings).toEqual([]);
    expect(JSON.parse(JSON.stringify(again.object))).toEqual(
      JSON.parse(
        JSON.stringify({
          ...served,
          status: {
            ...served.status,
            conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2024-05-01T10:00:03Z" }],
          },
        }),
      ),
    );
    // A replace that changes the image only, after the defaults ran again, is a valid update.
    const edited = JSON.parse(JSON.stringify(served));
    edited.spec.containers[0].image = "busybox:1.37";
    const next = strategy.decode(edited, "Strict").object;
    strategy.applyDefaults(next);
    expect(strategy.validateUpdate(next, again.object)).toEqual([]);
  });
});
