// Which objects may arrive as protobuf, by the apiVersion and kind of the envelope's TypeMeta.

import type { DescMessage } from "@bufbuild/protobuf";
import { DeploymentSchema, ReplicaSetSchema } from "./gen/api/apps/v1/apps_pb.ts";
import { SelfSubjectReviewSchema } from "./gen/api/authentication/v1/selfsubjectreview_pb.ts";
import { TokenRequestSchema } from "./gen/api/authentication/v1/tokenrequest_pb.ts";
import {
  SelfSubjectAccessReviewSchema,
  SelfSubjectRulesReviewSchema,
} from "./gen/api/authorization/v1/selfsubjectreviews_pb.ts";
import { ScaleSchema } from "./gen/api/autoscaling/v1/scale_pb.ts";
import { LeaseSchema } from "./gen/api/coordination/v1/lease_pb.ts";
import { NodeSchema } from "./gen/api/core/v1/node_pb.ts";
import {
  BindingSchema,
  ConfigMapSchema,
  EventSchema,
  NamespaceSchema,
  SecretSchema,
  ServiceAccountSchema,
} from "./gen/api/core/v1/object_pb.ts";
import { PodSchema } from "./gen/api/core/v1/pod_pb.ts";
import { EndpointsSchema, ServiceSchema } from "./gen/api/core/v1/service_pb.ts";
import { EndpointSliceSchema } from "./gen/api/discovery/v1/endpointslice_pb.ts";
import { IngressClassSchema, IngressSchema } from "./gen/api/networking/v1/ingress_pb.ts";
import { RuntimeClassSchema } from "./gen/api/node/v1/runtimeclass_pb.ts";
import { EvictionSchema } from "./gen/api/policy/v1/eviction_pb.ts";
import {
  ClusterRoleBindingSchema,
  ClusterRoleSchema,
  RoleBindingSchema,
  RoleSchema,
} from "./gen/api/rbac/v1/rbac_pb.ts";
import { DeleteOptionsSchema } from "./gen/apimachinery/meta/v1/meta_pb.ts";

const KINDS: ReadonlyMap<string, DescMessage> = new Map<string, DescMessage>([
  ["v1/Namespace", NamespaceSchema],
  ["v1/Secret", SecretSchema],
  ["v1/ConfigMap", ConfigMapSchema],
  ["v1/ServiceAccount", ServiceAccountSchema],
  ["v1/Service", ServiceSchema],
  ["v1/Endpoints", EndpointsSchema],
  ["v1/Pod", PodSchema],
  ["v1/Binding", BindingSchema],
  ["v1/Event", EventSchema],
  ["v1/Node", NodeSchema],
  ["apps/v1/Deployment", DeploymentSchema],
  ["apps/v1/ReplicaSet", ReplicaSetSchema],
  ["policy/v1/Eviction", EvictionSchema],
  // Same field numbers as policy/v1; kubectl drain falls back to it on old servers.
  ["policy/v1beta1/Eviction", EvictionSchema],
  ["autoscaling/v1/Scale", ScaleSchema],
  ["coordination.k8s.io/v1/Lease", LeaseSchema],
  ["discovery.k8s.io/v1/EndpointSlice", EndpointSliceSchema],
  ["networking.k8s.io/v1/Ingress", IngressSchema],
  ["networking.k8s.io/v1/IngressClass", IngressClassSchema],
  ["node.k8s.io/v1/RuntimeClass", RuntimeClassSchema],
  ["rbac.authorization.k8s.io/v1/Role", RoleSchema],
  ["rbac.authorization.k8s.io/v1/ClusterRole", ClusterRoleSchema],
  ["rbac.authorization.k8s.io/v1/RoleBinding", RoleBindingSchema],
  ["rbac.authorization.k8s.io/v1/ClusterRoleBinding", ClusterRoleBindingSchema],
  ["authentication.k8s.io/v1/TokenRequest", TokenRequestSchema],
  ["authentication.k8s.io/v1/SelfSubjectReview", SelfSubjectReviewSchema],
  ["authorization.k8s.io/v1/SelfSubjectAccessReview", SelfSubjectAccessReviewSchema],
  ["authorization.k8s.io/v1/SelfSubjectRulesReview", SelfSubjectRulesReviewSchema],
]);

/** The message schema for an envelope's TypeMeta, or undefined when we do not decode that kind. */
export function schemaFor(apiVersion: string, kind: string): DescMessage | undefined {
  // client-go stamps DeleteOptions with the group version of the client that sends it
  // ("v1" for core, "apps/v1" for apps...), so every version carries the same message.
  if (kind === "DeleteOptions") return DeleteOptionsSchema;
  return KINDS.get(`${apiVersion}/${kind}`);
}

/** Every "apiVersion/kind" key we decode (DeleteOptions aside), e.g. for discovery or tests. */
export function supportedKinds(): string[] {
  return [...KINDS.keys()];
}
