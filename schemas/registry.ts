// Every resource the API server serves: the facts discovery, routing and the store need.
// Paths, kinds, short names and categories are upstream's, so kubectl resolves them as it would
// against any cluster.

export type Subresource =
  | "status"
  | "scale"
  | "binding"
  | "eviction"
  | "log"
  | "exec"
  | "attach"
  | "portforward"
  | "token";

export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: Subresource[];
  /** Field selectors this resource answers beyond metadata.name / metadata.namespace. */
  fieldSelectors: string[];
}

type Def = Omit<
  ResourceType,
  "listKind" | "singular" | "shortNames" | "categories" | "subresources" | "fieldSelectors"
> &
  Partial<Pick<ResourceType, "shortNames" | "categories" | "subresources" | "fieldSelectors">>;

function def(d: Def): ResourceType {
  return {
    listKind: `${d.kind}List`,
    singular: d.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    subresources: [],
    fieldSelectors: [],
    ...d,
  };
}

export const RESOURCES: readonly ResourceType[] = [
  def({
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    namespaced: false,
    shortNames: ["ns"],
    subresources: ["status"],
    fieldSelectors: ["status.phase"],
  }),
  def({
    group: "",
    version: "v1",
    kind: "Node",
    plural: "nodes",
    namespaced: false,
    shortNames: ["no"],
    subresources: ["status"],
    fieldSelectors: ["spec.unschedulable"],
  }),
  def({
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    subresources: ["status", "binding", "eviction", "log", "exec", "attach", "portforward"],
    fieldSelectors: [
      "spec.nodeName",
      "status.phase",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "status.podIP",
      "status.nominatedNodeName",
    ],
  }),
  def({
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    namespaced: true,
    shortNames: ["svc"],
    categories: ["all"],
    subresources: ["status"],
  }),
  def({ group: "", version: "v1", kind: "Endpoints", plural: "endpoints", namespaced: true, shortNames: ["ep"] }),
  def({ group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, shortNames: ["cm"] }),
  def({ group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true, fieldSelectors: ["type"] }),
  def({
    group: "",
    version: "v1",
    kind: "ServiceAccount",
    plural: "serviceaccounts",
    namespaced: true,
    shortNames: ["sa"],
    subresources: ["token"],
  }),
  def({
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    namespaced: true,
    shortNames: ["ev"],
    fieldSelectors: [
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ],
  }),
  def({
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    namespaced: true,
    shortNames: ["deploy"],
    categories: ["all"],
    subresources: ["status", "scale"],
  }),
  def({
    group: "apps",
    version: "v1",
    kind: "ReplicaSet",
    plural: "replicasets",
    namespaced: true,
    shortNames: ["rs"],
    categories: ["all"],
    subresources: ["status", "scale"],
  }),
  def({
    group: "discovery.k8s.io",
    version: "v1",
    kind: "EndpointSlice",
    plural: "endpointslices",
    namespaced: true,
    // kube-apiserver answers this one field selector for slices (addressType).
    fieldSelectors: ["addressType"],
  }),
  def({
    group: "networking.k8s.io",
    version: "v1",
    kind: "Ingress",
    plural: "ingresses",
    namespaced: true,
    shortNames: ["ing"],
    subresources: ["status"],
  }),
  def({ group: "networking.k8s.io", version: "v1", kind: "IngressClass", plural: "ingressclasses", namespaced: false }),
  def({ group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true }),
  def({
    group: "events.k8s.io",
    version: "v1",
    kind: "Event",
    plural: "events",
    namespaced: true,
    shortNames: ["ev"],
    fieldSelectors: ["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason", "type"],
  }),
  def({ group: "node.k8s.io", version: "v1", kind: "RuntimeClass", plural: "runtimeclasses", namespaced: false }),
  def({ group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true }),
  def({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "RoleBinding",
    plural: "rolebindings",
    namespaced: true,
  }),
  def({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRole",
    plural: "clusterroles",
    namespaced: false,
  }),
  def({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRoleBinding",
    plural: "clusterrolebindings",
    namespaced: false,
  }),
];

/**
 * The review resources: create-only questions about the caller (`kubectl auth can-i`, `kubectl auth
 * whoami`), answered by the Worker and never stored, so they are not among RESOURCES (which the
 * store, the controllers and OpenAPI's PATCH operations go by); discovery lists them with the
 * create verb only.
 */
export const REVIEWS: readonly ResourceType[] = [
  def({
    group: "authorization.k8s.io",
    version: "v1",
    kind: "SelfSubjectAccessReview",
    plural: "selfsubjectaccessreviews",
    namespaced: false,
  }),
  def({
    group: "authorization.k8s.io",
    version: "v1",
    kind: "SelfSubjectRulesReview",
    plural: "selfsubjectrulesreviews",
    namespaced: false,
  }),
  def({
    group: "authentication.k8s.io",
    version: "v1",
    kind: "SelfSubjectReview",
    plural: "selfsubjectreviews",
    namespaced: false,
  }),
];

/** apiVersion as objects carry it: "v1" for core, "apps/v1" otherwise. */
export function apiVersionOf(r: Pick<ResourceType, "group" | "version">): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

const byPath = new Map<string, ResourceType>();
const byKind = new Map<string, ResourceType>();
for (const r of RESOURCES) {
  byPath.set(`${r.group}/${r.version}/${r.plural}`, r);
  byKind.set(`${apiVersionOf(r)}/${r.kind}`, r);
}

export function resourceFor(group: string, version: string, plural: string): ResourceType | undefined {
  return byPath.get(`${group}/${version}/${plural}`);
}

export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  return byKind.get(`${apiVersion}/${kind}`);
}

const reviewsByPath = new Map(REVIEWS.map((r) => [`${r.group}/${r.version}/${r.plural}`, r]));

/** The review resource at a path, if it is one. */
export function reviewFor(group: string, version: string, plural: string): ResourceType | undefined {
  return reviewsByPath.get(`${group}/${version}/${plural}`);
}

/**
 * The storage key prefix of a resource. Events live in one table whichever API group serves them,
 * as upstream stores core/v1 and events.k8s.io/v1 Events in one place; every other kind is keyed by
 * group and plural.
 */
export function storageResource(r: Pick<ResourceType, "group" | "plural">): string {
  if (r.plural === "events") return "events";
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}
