// What the RBAC evaluator is asked and what it answers: who is asking (the authenticated user), what
// they are asking for (kube-apiserver's authorizer attributes), the RBAC objects to decide with, and
// the decision.

import type { ClusterRoleBinding, RoleBinding } from "../../../schemas/rbac/binding.ts";
import type { ClusterRole, Role } from "../../../schemas/rbac/role.ts";

export interface UserInfo {
  name: string;
  groups: readonly string[];
}

/** A request for an API object (or a collection of them). */
export interface ResourceAttributes {
  /** get, list, watch, create, update, patch, delete, deletecollection, or a special verb (impersonate...). */
  verb: string;
  /** "" for the core group. */
  apiGroup: string;
  /** The plural resource name ("pods"). */
  resource: string;
  subresource?: string;
  /** The object's name; absent for list, watch, deletecollection and create without a name. */
  name?: string;
  /** "" or absent for cluster-scoped objects and requests across all namespaces. */
  namespace?: string;
  nonResourcePath?: undefined;
}

/** A request for a path outside the resource tree (/healthz, /version, /api discovery). */
export interface NonResourceAttributes {
  /** The lowercased HTTP method ("get", "post"...). */
  verb: string;
  nonResourcePath: string;
}

export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

export function isNonResource(attrs: RequestAttributes): attrs is NonResourceAttributes {
  return attrs.nonResourcePath !== undefined;
}

export interface RbacObjects {
  roles: readonly Role[];
  clusterRoles: readonly ClusterRole[];
  roleBindings: readonly RoleBinding[];
  clusterRoleBindings: readonly ClusterRoleBinding[];
}

/**
 * The answer. `reason` is upstream's: on allow, the binding that granted it; on deny, empty unless
 * some binding that applied to the user could not be resolved (a missing role), in which case those
 * errors, which kube-apiserver appends to its 403 message.
 */
export type Decision = { allowed: true; reason: string } | { allowed: false; reason: string };
