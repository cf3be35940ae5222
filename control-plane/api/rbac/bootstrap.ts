// The ClusterRoles and ClusterRoleBindings every cluster starts with, shaped like upstream's default
// policy so that manifests and habits from other clusters carry over: cluster-admin for
// system:masters; the user-facing admin, edit and view, each aggregated from a
// system:aggregate-to-* role (so others can extend them by label, as upstream's can be); and what
// every authenticated user may do (discovery, health and version, self reviews). The rule lists are
// kflare's own and deliberately short: the resources kflare serves and their common neighbours.

import type { KubeObject } from "../../../schemas/object.ts";
import type { ClusterRoleBinding } from "../../../schemas/rbac/binding.ts";
import type { ClusterRole, PolicyRule } from "../../../schemas/rbac/role.ts";
import { clusterRoleRules } from "./aggregation.ts";

const API_VERSION = "rbac.authorization.k8s.io/v1";
const RBAC_GROUP = "rbac.authorization.k8s.io";
const BOOTSTRAP_LABELS = { "kubernetes.io/bootstrapping": "rbac-defaults" };
/** Upstream's marker that the server may reconcile the object back to its default. */
const AUTOUPDATE = { "rbac.authorization.kubernetes.io/autoupdate": "true" };
const AGGREGATE_TO = (role: string) => `rbac.authorization.k8s.io/aggregate-to-${role}`;

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];

function rule(verbs: readonly string[], apiGroup: string, resources: string[]): PolicyRule {
  return { verbs: [...verbs], apiGroups: [apiGroup], resources };
}

function urls(verbs: readonly string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs: [...verbs], nonResourceURLs };
}

const CLUSTER_ADMIN_RULES: PolicyRule[] = [rule(["*"], "*", ["*"]), urls(["*"], ["*"])];

/** Reading a namespace's workloads and configuration, but not its Secrets. */
const VIEW_RULES: PolicyRule[] = [
  rule(READ, "", [
    "pods",
    "pods/log",
    "pods/status",
    "services",
    "services/status",
    "endpoints",
    "configmaps",
    "serviceaccounts",
    "events",
    "persistentvolumeclaims",
    "replicationcontrollers",
    "resourcequotas",
    "limitranges",
    "namespaces",
    "namespaces/status",
  ]),
  rule(READ, "apps", [
    "deployments",
    "deployments/scale",
    "deployments/status",
    "replicasets",
    "replicasets/scale",
    "replicasets/status",
    "statefulsets",
    "statefulsets/scale",
    "daemonsets",
    "controllerrevisions",
  ]),
  rule(READ, "batch", ["jobs", "cronjobs"]),
  rule(READ, "autoscaling", ["horizontalpodautoscalers"]),
  rule(READ, "policy", ["poddisruptionbudgets"]),
  rule(READ, "networking.k8s.io", ["ingresses", "ingresses/status", "networkpolicies"]),
  rule(READ, "discovery.k8s.io", ["endpointslices"]),
];

/**
 * What edit adds to view: writes, Secrets, and the ways into a running pod (exec, attach,
 * port-forward), which are as good as running code as the pod's service account. Endpoints and
 * EndpointSlices stay read-only, as upstream made them (writing them can redirect a Service).
 */
const EDIT_RULES: PolicyRule[] = [
  rule(READ, "", ["secrets", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "services/proxy"]),
  rule(WRITE, "", [
    "pods",
    "pods/attach",
    "pods/exec",
    "pods/portforward",
    "pods/proxy",
    "services",
    "services/proxy",
    "configmaps",
    "secrets",
    "serviceaccounts",
    "persistentvolumeclaims",
    "replicationcontrollers",
  ]),
  rule(["create"], "", ["pods/eviction", "serviceaccounts/token"]),
  rule(["impersonate"], "", ["serviceaccounts"]),
  rule(WRITE, "apps", [
    "deployments",
    "deployments/scale",
    "replicasets",
    "replicasets/scale",
    "statefulsets",
    "statefulsets/scale",
    "daemonsets",
  ]),
  rule(WRITE, "batch", ["jobs", "cronjobs"]),
  rule(WRITE, "autoscaling", ["horizontalpodautoscalers"]),
  rule(WRITE, "policy", ["poddisruptionbudgets"]),
  rule(WRITE, "networking.k8s.io", ["ingresses", "networkpolicies"]),
];

/** What admin adds to edit: granting access within the namespace. */
const ADMIN_RULES: PolicyRule[] = [
  rule([...READ, ...WRITE], RBAC_GROUP, ["roles", "rolebindings"]),
  rule(["create"], "authorization.k8s.io", ["localsubjectaccessreviews"]),
];

const BASIC_USER_RULES: PolicyRule[] = [
  rule(["create"], "authentication.k8s.io", ["selfsubjectreviews"]),
  rule(["create"], "authorization.k8s.io", ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
];

const PUBLIC_INFO_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"];
const DISCOVERY_RULES: PolicyRule[] = [
  urls(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*", ...PUBLIC_INFO_URLS]),
];
const PUBLIC_INFO_RULES: PolicyRule[] = [urls(["get"], PUBLIC_INFO_URLS)];

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}): ClusterRole {
  return {
    apiVersion: API_VERSION,
    kind: "ClusterRole",
    metadata: { name, labels: { ...BOOTSTRAP_LABELS, ...labels }, annotations: { ...AUTOUPDATE } },
    rules,
  };
}

/** An aggregated role; its rules are filled in below from the roles it selects. */
function aggregatedRole(name: string, labels: Record<string, string> = {}): ClusterRole {
  return {
    ...clusterRole(name, [], labels),
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(name)]: "true" } }] },
  };
}

export function bootstrapClusterRoles(): ClusterRole[] {
  const roles = [
    clusterRole("cluster-admin", CLUSTER_ADMIN_RULES),
    // admin <- edit <- view: each aggregated role carries the label of the next one up.
    aggregatedRole("admin"),
    aggregatedRole("edit", { [AGGREGATE_TO("admin")]: "true" }),
    aggregatedRole("view", { [AGGREGATE_TO("edit")]: "true" }),
    clusterRole("system:aggregate-to-admin", ADMIN_RULES, { [AGGREGATE_TO("admin")]: "true" }),
    clusterRole("system:aggregate-to-edit", EDIT_RULES, { [AGGREGATE_TO("edit")]: "true" }),
    clusterRole("system:aggregate-to-view", VIEW_RULES, { [AGGREGATE_TO("view")]: "true" }),
    clusterRole("system:discovery", DISCOVERY_RULES),
    clusterRole("system:basic-user", BASIC_USER_RULES),
    clusterRole("system:public-info-viewer", PUBLIC_INFO_RULES),
  ];
  // Stored as upstream's aggregation controller would leave them, so `kubectl describe clusterrole
  // view` lists what view grants. Decisions resolve aggregation afresh (aggregation.ts).
  for (const role of roles) if (role.aggregationRule) role.rules = clusterRoleRules(role, roles);
  return roles;
}

function groupBinding(name: string, groups: string[]): ClusterRoleBinding {
  return {
    apiVersion: API_VERSION,
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { ...BOOTSTRAP_LABELS }, annotations: { ...AUTOUPDATE } },
    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name },
    subjects: groups.map((group) => ({ kind: "Group", apiGroup: RBAC_GROUP, name: group })),
  };
}

export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    groupBinding("cluster-admin", ["system:masters"]),
    groupBinding("system:discovery", ["system:authenticated"]),
    groupBinding("system:basic-user", ["system:authenticated"]),
    // Upstream lets anonymous requests read health and version too; kflare has no anonymous user
    // (a request without a valid token gets 401), so the second group only matters if that changes.
    groupBinding("system:public-info-viewer", ["system:authenticated", "system:unauthenticated"]),
  ];
}

/** Every default RBAC object, ready to store in a new cluster. */
export function bootstrapRbacObjects(): KubeObject[] {
  return [...bootstrapClusterRoles(), ...bootstrapClusterRoleBindings()];
}
