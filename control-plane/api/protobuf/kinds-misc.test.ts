import { describe, expect, it } from "vitest";
import { decodeProtobufObject } from "./decode.ts";
import { SelfSubjectReviewSchema } from "./gen/api/authentication/v1/selfsubjectreview_pb.ts";
import { TokenRequestSchema } from "./gen/api/authentication/v1/tokenrequest_pb.ts";
import {
  SelfSubjectAccessReviewSchema,
  SelfSubjectRulesReviewSchema,
} from "./gen/api/authorization/v1/selfsubjectreviews_pb.ts";
import { ScaleSchema } from "./gen/api/autoscaling/v1/scale_pb.ts";
import { LeaseSchema } from "./gen/api/coordination/v1/lease_pb.ts";
import { ConfigMapSchema } from "./gen/api/core/v1/object_pb.ts";
import { IngressSchema } from "./gen/api/networking/v1/ingress_pb.ts";
import { RuntimeClassSchema } from "./gen/api/node/v1/runtimeclass_pb.ts";
import { EvictionSchema } from "./gen/api/policy/v1/eviction_pb.ts";
import { ClusterRoleSchema, RoleBindingSchema } from "./gen/api/rbac/v1/rbac_pb.ts";
import { DeleteOptionsSchema } from "./gen/apimachinery/meta/v1/meta_pb.ts";
import { supportedKinds } from "./kinds.ts";
import { body } from "./test-support.ts";

const T = 1767323045n; // 2026-01-02T03:04:05Z

describe("Ingress", () => {
  it("as `kubectl create ingress` sends it: the rule value inlined, pathType kept", () => {
    const bytes = body(IngressSchema, "networking.k8s.io/v1", "Ingress", {
      metadata: { name: "web", namespace: "default" },
      spec: {
        rules: [
          {
            host: "web.example",
            ingressRuleValue: {
              http: {
                paths: [
                  { path: "/", pathType: "Prefix", backend: { service: { name: "web-app", port: { number: 80 } } } },
                ],
              },
            },
          },
        ],
      },
    });
    expect(decodeProtobufObject(bytes).object).toMatchObject({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      spec: {
        rules: [
          {
            host: "web.example",
            http: {
              paths: [
                { path: "/", pathType: "Prefix", backend: { service: { name: "web-app", port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    });
  });
});

describe("RBAC", () => {
  const RBAC = "rbac.authorization.k8s.io";

  it("RoleBinding as `kubectl create rolebinding` sends it: roleRef and subject kind/name always present", () => {
    const bytes = body(RoleBindingSchema, `${RBAC}/v1`, "RoleBinding", {
      metadata: { name: "ci-view", namespace: "a" },
      roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "view" },
      subjects: [
        { kind: "ServiceAccount", name: "ci", namespace: "a" },
        { kind: "User", apiGroup: RBAC, name: "alice" },
      ],
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: `${RBAC}/v1`,
      kind: "RoleBinding",
      metadata: { name: "ci-view", namespace: "a" },
      roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "view" },
      subjects: [
        { kind: "ServiceAccount", name: "ci", namespace: "a" },
        { kind: "User", apiGroup: RBAC, name: "alice" },
      ],
    });
  });

  it("ClusterRole with rules and an aggregation rule", () => {
    const bytes = body(ClusterRoleSchema, `${RBAC}/v1`, "ClusterRole", {
      metadata: { name: "monitoring" },
      rules: [
        { verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"], resourceNames: ["web"] },
        { verbs: ["get"], nonResourceURLs: ["/metrics"] },
      ],
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "example.com/aggregate-to-monitoring": "true" } }] },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: `${RBAC}/v1`,
      kind: "ClusterRole",
      metadata: { name: "monitoring" },
      rules: [
        { verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"], resourceNames: ["web"] },
        { verbs: ["get"], nonResourceURLs: ["/metrics"] },
      ],
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "example.com/aggregate-to-monitoring": "true" } }] },
    });
  });
});

describe("DeleteOptions and Eviction", () => {
  it("DeleteOptions as Helm sends it: gracePeriodSeconds 0 is kept", () => {
    const bytes = body(DeleteOptionsSchema, "v1", "DeleteOptions", {
      gracePeriodSeconds: 0n,
      propagationPolicy: "Background",
      preconditions: { uid: "u-1", resourceVersion: "42" },
      dryRun: ["All"],
    });
    expect(decodeProtobufObject(bytes)).toEqual({
      apiVersion: "v1",
      kind: "DeleteOptions",
      object: {
        apiVersion: "v1",
        kind: "DeleteOptions",
        gracePeriodSeconds: 0,
        propagationPolicy: "Background",
        preconditions: { uid: "u-1", resourceVersion: "42" },
        dryRun: ["All"],
      },
    });
  });

  it("DeleteOptions under any group version (client-go stamps the client's own)", () => {
    const bytes = body(DeleteOptionsSchema, "apps/v1", "DeleteOptions", { orphanDependents: false });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "apps/v1",
      kind: "DeleteOptions",
      orphanDependents: false,
    });
  });

  it("Eviction as kubectl drain sends it", () => {
    const bytes = body(EvictionSchema, "policy/v1", "Eviction", {
      metadata: { name: "web-1", namespace: "default" },
      deleteOptions: { gracePeriodSeconds: 30n },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: "web-1", namespace: "default" },
      deleteOptions: { gracePeriodSeconds: 30 },
    });
  });
});

describe("other kinds", () => {
  it("Scale: spec.replicas 0 is omitempty in Go, so it is absent (Go reads that as 0)", () => {
    const bytes = body(ScaleSchema, "autoscaling/v1", "Scale", {
      metadata: { name: "web", namespace: "default", resourceVersion: "7" },
      spec: { replicas: 0 },
      status: { replicas: 0, selector: "app=web" },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: { name: "web", namespace: "default", resourceVersion: "7" },
      spec: {},
      status: { replicas: 0, selector: "app=web" },
    });
  });

  it("Lease with MicroTimes", () => {
    const bytes = body(LeaseSchema, "coordination.k8s.io/v1", "Lease", {
      metadata: { name: "pi-1", namespace: "kube-node-lease" },
      spec: {
        holderIdentity: "pi-1",
        leaseDurationSeconds: 40,
        renewTime: { seconds: T, nanos: 123456999 },
        acquireTime: { seconds: T },
        leaseTransitions: 0,
      },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "pi-1", namespace: "kube-node-lease" },
      spec: {
        holderIdentity: "pi-1",
        leaseDurationSeconds: 40,
        renewTime: "2026-01-02T03:04:05.123456Z",
        acquireTime: "2026-01-02T03:04:05.000000Z",
        leaseTransitions: 0,
      },
    });
  });

  it("RuntimeClass", () => {
    const bytes = body(RuntimeClassSchema, "node.k8s.io/v1", "RuntimeClass", {
      metadata: { name: "wasm" },
      handler: "wasm",
      overhead: { podFixed: { memory: { string: "16Mi" } } },
      scheduling: {
        nodeSelector: { "kflare.dev/wasm": "true" },
        tolerations: [{ key: "wasm", operator: "Exists" }],
      },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "node.k8s.io/v1",
      kind: "RuntimeClass",
      metadata: { name: "wasm" },
      handler: "wasm",
      overhead: { podFixed: { memory: "16Mi" } },
      scheduling: { nodeSelector: { "kflare.dev/wasm": "true" }, tolerations: [{ key: "wasm", operator: "Exists" }] },
    });
  });

  it("TokenRequest", () => {
    const bytes = body(TokenRequestSchema, "authentication.k8s.io/v1", "TokenRequest", {
      metadata: { name: "default", namespace: "default" },
      spec: {
        audiences: ["https://kubernetes.default.svc"],
        expirationSeconds: 3607n,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web-1", uid: "u-9" },
      },
      status: { token: "", expirationTimestamp: {} },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: { name: "default", namespace: "default" },
      spec: {
        audiences: ["https://kubernetes.default.svc"],
        expirationSeconds: 3607,
        boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web-1", uid: "u-9" },
      },
      // The zero Time is null in Kubernetes JSON; we leave it out.
      status: { token: "" },
    });
  });

  it("SelfSubjectAccessReview, as `kubectl auth can-i` sends it", () => {
    const bytes = body(SelfSubjectAccessReviewSchema, "authorization.k8s.io/v1", "SelfSubjectAccessReview", {
      metadata: {},
      spec: {
        resourceAttributes: { namespace: "default", verb: "create", group: "apps", resource: "deployments" },
      },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      metadata: {},
      spec: { resourceAttributes: { namespace: "default", verb: "create", group: "apps", resource: "deployments" } },
    });
    const nonResource = body(SelfSubjectAccessReviewSchema, "authorization.k8s.io/v1", "SelfSubjectAccessReview", {
      spec: { nonResourceAttributes: { path: "/healthz", verb: "get" } },
    });
    expect(decodeProtobufObject(nonResource).object).toMatchObject({
      spec: { nonResourceAttributes: { path: "/healthz", verb: "get" } },
    });
  });

  it("SelfSubjectRulesReview and SelfSubjectReview (`kubectl auth can-i --list`, `kubectl auth whoami`)", () => {
    const rules = body(SelfSubjectRulesReviewSchema, "authorization.k8s.io/v1", "SelfSubjectRulesReview", {
      spec: { namespace: "team-a" },
    });
    expect(decodeProtobufObject(rules).object).toEqual({
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectRulesReview",
      spec: { namespace: "team-a" },
    });
    const whoami = body(SelfSubjectReviewSchema, "authentication.k8s.io/v1", "SelfSubjectReview", { metadata: {} });
    expect(decodeProtobufObject(whoami).object).toEqual({
      apiVersion: "authentication.k8s.io/v1",
      kind: "SelfSubjectReview",
      metadata: {},
    });
  });

  it("every ObjectMeta field", () => {
    const bytes = body(ConfigMapSchema, "v1", "ConfigMap", {
      metadata: {
        name: "cfg",
        generateName: "cfg-",
        namespace: "default",
        uid: "3f1c",
        resourceVersion: "12",
        generation: 4n,
        creationTimestamp: { seconds: T, nanos: 500 },
        deletionTimestamp: { seconds: T + 30n },
        deletionGracePeriodSeconds: 0n,
        labels: { a: "1" },
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" },
        ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "u-2" }],
        finalizers: ["kflare.dev/cleanup"],
        managedFields: [
          {
            manager: "kubectl-create",
            operation: "Update",
            apiVersion: "v1",
            time: { seconds: T },
            fieldsType: "FieldsV1",
            fieldsV1: { raw: '{"f:data":{".":{},"f:k":{}}}' },
          },
        ],
      },
    });
    expect(decodeProtobufObject(bytes).object).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "cfg",
        generateName: "cfg-",
        namespace: "default",
        uid: "3f1c",
        resourceVersion: "12",
        generation: 4,
        creationTimestamp: "2026-01-02T03:04:05Z",
        deletionTimestamp: "2026-01-02T03:04:35Z",
        deletionGracePeriodSeconds: 0,
        labels: { a: "1" },
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" },
        ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "u-2" }],
        finalizers: ["kflare.dev/cleanup"],
        managedFields: [
          {
            manager: "kubectl-create",
            operation: "Update",
            apiVersion: "v1",
            time: "2026-01-02T03:04:05Z",
            fieldsType: "FieldsV1",
            fieldsV1: { "f:data": { ".": {}, "f:k": {} } },
          },
        ],
      },
    });
  });

  it("lists the kinds it decodes", () => {
    expect(supportedKinds()).toContain("apps/v1/Deployment");
    expect(supportedKinds()).toContain("authentication.k8s.io/v1/TokenRequest");
    expect(supportedKinds()).toContain("rbac.authorization.k8s.io/v1/ClusterRoleBinding");
  });
});
