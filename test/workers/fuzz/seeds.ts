// Valid objects the fuzzer starts from: the seed manifest's Deployment and Service
// (examples/deployment.yaml) and a ConfigMap, Secret, Pod and Namespace, as JSON and as protobuf.

import { DeploymentSchema } from "../../../control-plane/api/protobuf/gen/api/apps/v1/apps_pb.ts";
import {
  ConfigMapSchema,
  NamespaceSchema,
  SecretSchema,
} from "../../../control-plane/api/protobuf/gen/api/core/v1/object_pb.ts";
import { PodSchema } from "../../../control-plane/api/protobuf/gen/api/core/v1/pod_pb.ts";
import { ServiceSchema } from "../../../control-plane/api/protobuf/gen/api/core/v1/service_pb.ts";
import { body } from "../../../control-plane/api/protobuf/test-support.ts";
import type { Json } from "./mutate.ts";

export interface Seed {
  /** The collection path under the cluster prefix, with NS standing for the namespace. */
  collection: string;
  kind: string;
  namespaced: boolean;
  object: { [k: string]: Json };
  protobuf: Uint8Array;
}

const container = { name: "web", image: "myapp:1.2.0", ports: [{ containerPort: 3000 }] };

export const SEEDS: readonly Seed[] = [
  {
    collection: "/apis/apps/v1/namespaces/NS/deployments",
    kind: "Deployment",
    namespaced: true,
    object: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web-app" },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web-app" } },
        template: {
          metadata: { labels: { app: "web-app" } },
          spec: {
            containers: [
              {
                ...container,
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
              },
            ],
          },
        },
      },
    },
    protobuf: body(DeploymentSchema, "apps/v1", "Deployment", {
      metadata: { name: "web-app" },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web-app" } },
        template: {
          metadata: { labels: { app: "web-app" } },
          spec: { containers: [{ name: "web", image: "myapp:1.2.0", ports: [{ containerPort: 3000 }] }] },
        },
      },
    }),
  },
  {
    collection: "/api/v1/namespaces/NS/services",
    kind: "Service",
    namespaced: true,
    object: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web-app" },
      spec: { selector: { app: "web-app" }, ports: [{ port: 80, targetPort: 3000 }], type: "ClusterIP" },
    },
    protobuf: body(ServiceSchema, "v1", "Service", {
      metadata: { name: "web-app" },
      spec: { selector: { app: "web-app" }, ports: [{ port: 80, targetPort: { intVal: 3000 } }], type: "ClusterIP" },
    }),
  },
  {
    // The same kind in its other shape, so replaces and patches flip Services between the two.
    collection: "/api/v1/namespaces/NS/services",
    kind: "Service",
    namespaced: true,
    object: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "db" },
      spec: { type: "ExternalName", externalName: "db.example.com" },
    },
    protobuf: body(ServiceSchema, "v1", "Service", {
      metadata: { name: "db" },
      spec: { type: "ExternalName", externalName: "db.example.com" },
    }),
  },
  {
    collection: "/api/v1/namespaces/NS/configmaps",
    kind: "ConfigMap",
    namespaced: true,
    object: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings", labels: { app: "web-app" }, annotations: { note: "x" } },
      data: { "app.conf": "port=3000\n", mode: "prod" },
      binaryData: { blob: "AAEC" },
    },
    protobuf: body(ConfigMapSchema, "v1", "ConfigMap", { metadata: { name: "settings" }, data: { mode: "prod" } }),
  },
  {
    collection: "/api/v1/namespaces/NS/secrets",
    kind: "Secret",
    namespaced: true,
    object: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "creds" },
      type: "Opaque",
      data: { password: "aHVudGVyMg==" },
      stringData: { user: "admin" },
    },
    protobuf: body(SecretSchema, "v1", "Secret", {
      metadata: { name: "creds" },
      type: "Opaque",
      data: { password: new Uint8Array([1, 2, 3]) },
    }),
  },
  {
    collection: "/api/v1/namespaces/NS/pods",
    kind: "Pod",
    namespaced: true,
    object: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-0", labels: { app: "web-app" } },
      spec: {
        containers: [{ ...container, env: [{ name: "MODE", value: "prod" }] }],
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 0,
      },
    },
    protobuf: body(PodSchema, "v1", "Pod", {
      metadata: { name: "web-0" },
      spec: { containers: [{ name: "web", image: "myapp:1.2.0" }] },
    }),
  },
  {
    collection: "/api/v1/namespaces",
    kind: "Namespace",
    namespaced: false,
    object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", labels: { team: "a" } } },
    protobuf: body(NamespaceSchema, "v1", "Namespace", { metadata: { name: "team-a" } }),
  },
];
