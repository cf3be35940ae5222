// Services and pods for the endpoint controller tests, as the API server stores them.

import type { KubeObject } from "../../../schemas/object.ts";

export interface PodOptions {
  ip?: string;
  ready?: boolean;
  phase?: string;
  deleting?: boolean;
  labels?: Record<string, string>;
  node?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  hostname?: string;
  subdomain?: string;
}

export function pod(name: string, o: PodOptions = {}): KubeObject {
  const ip = o.ip ?? "";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      labels: o.labels ?? { app: "web" },
      ...(o.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: {
      nodeName: o.node ?? "pi-1",
      containers: [
        { name: "web", image: "web:1", ports: o.ports ?? [{ name: "http", containerPort: 8080, protocol: "TCP" }] },
      ],
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
    },
    status: {
      phase: o.phase ?? "Running",
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

export interface ServiceOptions {
  selector?: Record<string, string> | null;
  ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string }[];
  clusterIP?: string;
  type?: string;
  publishNotReadyAddresses?: boolean;
  labels?: Record<string, string>;
}

export function service(name: string, o: ServiceOptions = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default", uid: `uid-svc-${name}`, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      type: o.type ?? "ClusterIP",
      clusterIP: o.clusterIP ?? "10.43.0.20",
      ...(o.selector === null ? {} : { selector: o.selector ?? { app: "web" } }),
      ports: (o.ports ?? [{ port: 80, targetPort: "http" }]).map((p) => ({ protocol: "TCP", ...p })),
      ...(o.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
    },
  };
}
