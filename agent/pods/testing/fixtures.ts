// Pods for the lifecycle tests: a bound pod with one container unless told otherwise.

import type { ConfigMap, Secret } from "../../../schemas/core/config.ts";
import type { Container } from "../../../schemas/core/container.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import type { PodSpec } from "../../../schemas/core/pod-spec.ts";

export const SCHEDULED_AT = "2025-01-01T11:59:00Z";

export function container(name: string, fields: Partial<Container> = {}): Container {
  return { name, image: "registry.local/app:1.0", ...fields };
}

export function makePod(name: string, spec: Partial<PodSpec> = {}, meta: Partial<Pod["metadata"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: "10", ...meta },
    spec: {
      nodeName: "node-1",
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      containers: [container("web")],
      ...spec,
    },
    status: {
      phase: "Pending",
      qosClass: "BestEffort",
      conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: SCHEDULED_AT }],
    },
  };
}

export function configMap(name: string, data: Record<string, string>, namespace = "default"): ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, resourceVersion: "5" }, data };
}

export function secret(name: string, data: Record<string, string>, namespace = "default", type = "Opaque"): Secret {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace, resourceVersion: "6" }, data: encoded, type };
}
