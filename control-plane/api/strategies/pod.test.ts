import { describe, expect, it } from "vitest";
import type { Container } from "../../../schemas/core/container.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import type { PodSpec } from "../../../schemas/core/pod-spec.ts";
import { podStrategy } from "./pod.ts";
import { addDefaultTolerations, podQOSClass } from "./pod-admission.ts";
import { imageTag } from "./pod-defaults.ts";

function podBody(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default" },
    spec: { containers: [{ name: "web", image: "nginx:1.27" }], ...spec },
  };
}

function created(body: unknown = podBody()): Pod {
  const { object } = podStrategy.decode(body, "Strict");
  podStrategy.applyDefaults(object);
  podStrategy.prepareForCreate(object);
  return object;
}

function container(pod: Pod, i = 0): Container {
  const c = pod.spec?.containers?.[i];
  if (!c) throw new Error("no container");
  return c;
}

const TOLERATIONS = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
];

describe("defaults and admission", () => {
  it("fills what kube-apiserver fills", () => {
    const pod = created(
      podBody({
        containers: [
          {
            name: "web",
            image: "nginx",
            ports: [{ containerPort: 80 }],
            resources: { limits: { cpu: "1", memory: "1Gi" } },
            livenessProbe: { httpGet: { port: 80 } },
            env: [{ name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
          },
        ],
        volumes: [{ name: "cache" }, { name: "cfg", configMap: { name: "cfg" } }],
      }),
    );
    const spec = pod.spec ?? {};
    expect(spec).toMatchObject({
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      enableServiceLinks: true,
      serviceAccountName: "default",
      serviceAccount: "default",
      priority: 0,
      preemptionPolicy: "PreemptLowerPriority",
      tolerations: TOLERATIONS,
      volumes: [
        { name: "cache", emptyDir: {} },
        { name: "cfg", configMap: { name: "cfg", defaultMode: 420 } },
      ],
    });
    expect(container(pod)).toMatchObject({
      imagePullPolicy: "Always",
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      ports: [{ containerPort: 80, protocol: "TCP" }],
      // Requests default to limits on a Pod (not on a template).
      resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } },
      livenessProbe: {
        httpGet: { port: 80, path: "/", scheme: "HTTP" },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
      env: [{ name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName", apiVersion: "v1" } } }],
    });
    expect(pod.status).toEqual({ phase: "Pending", qosClass: "Guaranteed" });
    expect(podStrategy.validate(pod)).toEqual([]);
  });

  it.each([
    ["nginx", "latest"],
    ["nginx:latest", "latest"],
    ["nginx:1.27", "1.27"],
    ["localhost:5000/nginx", "latest"],
    ["localhost:5000/nginx:1", "1"],
    ["nginx@sha256:abcd", ""],
  ])("image %j has tag %j", (image, tag) => expect(imageTag(image)).toBe(tag));

  it("keeps a toleration that already covers not-ready and unreachable", () => {
    const spec: PodSpec = { tolerations: [{ operator: "Exists" }] };
    addDefaultTolerations(spec);
    expect(spec.tolerations).toEqual([{ operator: "Exists" }]);
    const partial: PodSpec = { tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists" }] };
    addDefaultTolerations(partial);
    expect(partial.tolerations).toEqual([{ key: "node.kubernetes.io/not-ready", operator: "Exists" }, TOLERATIONS[1]]);
  });

  it.each<[string, PodSpec, string]>([
    ["no resources", { containers: [{ name: "a" }] }, "BestEffort"],
    [
      "requests below limits",
      { containers: [{ resources: { requests: { cpu: "100m" }, limits: { cpu: "500m", memory: "1Gi" } } }] },
      "Burstable",
    ],
    [
      "equal limits and requests",
      {
        containers: [{ resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1000m", memory: "1Gi" } } }],
      },
      "Guaranteed",
    ],
    [
      "only cpu limited",
      { containers: [{ resources: { requests: { cpu: "1" }, limits: { cpu: "1" } } }] },
      "Burstable",
    ],
  ])("QoS: %s", (_name, spec, qos) => expect(podQOSClass(spec)).toBe(qos));
});

describe("validation", () => {
  const cases: [string, Record<string, unknown>, { reason: string; field: string; message: string }[]][] = [
    [
      "no containers",
      { containers: [] },
      [{ reason: "FieldValueRequired", field: "spec.containers", message: "Required value" }],
    ],
    [
      "duplicate container names",
      {
        containers: [
          { name: "web", image: "a" },
          { name: "web", image: "b" },
        ],
      },
      [{ reason: "FieldValueDuplicate", field: "spec.containers[1].name", message: 'Duplicate value: "web"' }],
    ],
    [
      "container name not a DNS label",
      { containers: [{ name: "Web", image: "a" }] },
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.containers[0].name",
          message:
            "Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        },
      ],
    ],
    [
      "port out of range",
      { containers: [{ name: "web", image: "a", ports: [{ containerPort: 70000 }] }] },
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.containers[0].ports[0].containerPort",
          message: "Invalid value: 70000: must be between 1 and 65535, inclusive",
        },
      ],
    ],
    [
      "unknown protocol",
      { containers: [{ name: "web", image: "a", ports: [{ containerPort: 80, protocol: "HTTP" }] }] },
      [
        {
          reason: "FieldValueNotSupported",
          field: "spec.containers[0].ports[0].protocol",
          message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        },
      ],
    ],
    [
      "unknown restartPolicy",
      { restartPolicy: "Sometimes" },
      [
        {
          reason: "FieldValueNotSupported",
          field: "spec.restartPolicy",
          message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        },
      ],
    ],
    [
      "requests above limits",
      { containers: [{ name: "web", image: "a", resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }] },
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.containers[0].resources.requests",
          message: 'Invalid value: "2": must be less than or equal to cpu limit of 1',
        },
      ],
    ],
    [
      "negative quantity",
      { containers: [{ name: "web", image: "a", resources: { requests: { memory: "-1" } } }] },
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.containers[0].resources.requests[memory]",
          message: 'Invalid value: "-1": must be greater than or equal to 0',
        },
      ],
    ],
    [
      "non-standard resource",
      { containers: [{ name: "web", image: "a", resources: { limits: { gpu: "1" } } }] },
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.containers[0].resources.limits[gpu]",
          message: 'Invalid value: "gpu": must be a standard resource for containers',
        },
        // Requests default to limits on a Pod, so the name is refused there too.
        {
          reason: "FieldValueInvalid",
          field: "spec.containers[0].resources.requests[gpu]",
          message: 'Invalid value: "gpu": must be a standard resource for containers',
        },
      ],
    ],
    [
      "probe without handler",
      { containers: [{ name: "web", image: "a", readinessProbe: { periodSeconds: 5 } }] },
      [
        {
          reason: "FieldValueRequired",
          field: "spec.containers[0].readinessProbe",
          message: "Required value: must specify a handler type",
        },
      ],
    ],
    [
      "liveness successThreshold above 1",
      { containers: [{ name: "web", image: "a", livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } }] },
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.containers[0].livenessProbe.successThreshold",
          message: "Invalid value: 2: must be 1",
        },
      ],
    ],
    [
      "mount of an unknown volume",
      { containers: [{ name: "web", image: "a", volumeMounts: [{ name: "data", mountPath: "/data" }] }] },
      [
        {
          reason: "FieldValueNotFound",
          field: "spec.containers[0].volumeMounts[0].name",
          message: 'Not found: "data"',
        },
      ],
    ],
    [
      "two volume sources",
      { volumes: [{ name: "v", emptyDir: {}, hostPath: { path: "/x" } }] },
      [
        {
          reason: "FieldValueForbidden",
          field: "spec.volumes[0].emptyDir",
          message: "Forbidden: may not specify more than 1 volume type",
        },
      ],
    ],
    [
      "toleration with seconds but not NoExecute",
      { tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 }] },
      [
        {
          reason: "FieldValueInvalid",
          field: "spec.tolerations[0].effect",
          message: "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
        },
      ],
    ],
  ];
  it.each(cases)("%s", (_name, spec, causes) => {
    expect(podStrategy.validate(created(podBody(spec)))).toEqual(causes);
  });

  it("requires a namespace on a namespaced kind", () => {
    const body = { ...podBody(), metadata: { name: "web" } };
    expect(podStrategy.validate(created(body))).toEqual([
      { reason: "FieldValueRequired", field: "metadata.namespace", message: "Required value" },
    ]);
  });
});
