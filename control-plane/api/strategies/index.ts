// One strategy per resource the API server serves (schemas/registry.ts), looked up by its
// registry entry. Also re-exports what callers outside the strategies need: the subresource bodies,
// Event conversion and decodeWithSchema.

import type { KubeObject } from "../../../schemas/object.ts";
import { apiVersionOf, type ResourceType } from "../../../schemas/registry.ts";
import type { ResourceStrategy } from "../strategy.ts";
import { configMapStrategy, secretStrategy } from "./config.ts";
import { deploymentStrategy } from "./deployment.ts";
import { endpointSliceStrategy, endpointsStrategy } from "./endpoints.ts";
import { eventStrategy, eventsV1EventStrategy } from "./event.ts";
import { ingressClassStrategy, ingressStrategy } from "./ingress.ts";
import { namespaceStrategy } from "./namespace.ts";
import { nodeStrategy } from "./node.ts";
import { podStrategy } from "./pod.ts";
import { clusterRoleBindingStrategy, roleBindingStrategy } from "./rbac-bindings.ts";
import { clusterRoleStrategy, roleStrategy } from "./rbac-roles.ts";
import { replicaSetStrategy } from "./replicaset.ts";
import { serviceStrategy } from "./service.ts";
import { leaseStrategy, runtimeClassStrategy, serviceAccountStrategy } from "./simple.ts";

export { decodeWithSchema, formatPath } from "./decode.ts";
export { eventToEventsV1, eventToV1 } from "./event-conversion.ts";
export { bindingBody, deleteOptionsBody, evictionBody, scaleBody } from "./subresources.ts";

// Strategies are typed per kind; the map holds them as strategies of any KubeObject (their methods
// are only ever given objects their own decode produced).
const strategies = new Map<string, ResourceStrategy>([
  ["v1/Namespace", namespaceStrategy as ResourceStrategy],
  ["v1/Node", nodeStrategy as ResourceStrategy],
  ["v1/Pod", podStrategy as ResourceStrategy],
  ["v1/Service", serviceStrategy as ResourceStrategy],
  ["v1/Endpoints", endpointsStrategy as ResourceStrategy],
  ["v1/ConfigMap", configMapStrategy as ResourceStrategy],
  ["v1/Secret", secretStrategy as ResourceStrategy],
  ["v1/ServiceAccount", serviceAccountStrategy as ResourceStrategy],
  ["v1/Event", eventStrategy as ResourceStrategy],
  ["apps/v1/Deployment", deploymentStrategy as ResourceStrategy],
  ["apps/v1/ReplicaSet", replicaSetStrategy as ResourceStrategy],
  ["coordination.k8s.io/v1/Lease", leaseStrategy as ResourceStrategy],
  ["discovery.k8s.io/v1/EndpointSlice", endpointSliceStrategy as ResourceStrategy],
  ["networking.k8s.io/v1/Ingress", ingressStrategy as ResourceStrategy],
  ["networking.k8s.io/v1/IngressClass", ingressClassStrategy as ResourceStrategy],
  ["events.k8s.io/v1/Event", eventsV1EventStrategy as ResourceStrategy],
  ["node.k8s.io/v1/RuntimeClass", runtimeClassStrategy as ResourceStrategy],
  ["rbac.authorization.k8s.io/v1/Role", roleStrategy as ResourceStrategy],
  ["rbac.authorization.k8s.io/v1/RoleBinding", roleBindingStrategy as ResourceStrategy],
  ["rbac.authorization.k8s.io/v1/ClusterRole", clusterRoleStrategy as ResourceStrategy],
  ["rbac.authorization.k8s.io/v1/ClusterRoleBinding", clusterRoleBindingStrategy as ResourceStrategy],
]);

/** The strategy of a resource, if it has one (every resource objects are stored for does). */
export function findStrategy(resource: ResourceType): ResourceStrategy<KubeObject> | undefined {
  return strategies.get(`${apiVersionOf(resource)}/${resource.kind}`);
}

export function strategyFor(resource: ResourceType): ResourceStrategy<KubeObject> {
  const strategy = findStrategy(resource);
  if (!strategy) throw new Error(`no strategy for ${apiVersionOf(resource)} ${resource.kind}`);
  return strategy;
}
