// Privilege-escalation prevention for writes of RBAC objects, which kube-apiserver's RBAC registry
// enforces whatever authorizer let the write through: without it, anyone allowed to create Roles or
// RoleBindings could grant themselves (or a pod's service account) anything. A user may write
//   - a Role or ClusterRole only with rules they already hold at its scope (the Role's namespace,
//     or cluster-wide for a ClusterRole), unless allowed to `escalate` roles/clusterroles;
//   - a RoleBinding or ClusterRoleBinding only to a role whose rules they hold at the binding's
//     scope, unless allowed to `bind` that very role.
// Members of system:masters skip all of it. Pure: the caller passes the RBAC objects as stored
// before the write, and the object after defaulting (its namespace set from the request path).

import type { ClusterRoleBinding, RoleBinding, RoleRef } from "../../../schemas/rbac/binding.ts";
import type { ClusterRole, PolicyRule, Role } from "../../../schemas/rbac/role.ts";
import type { StatusDetails } from "../errors.ts";
import { covers, describeRule, quoteList } from "./covers.ts";
import { aggregate, evaluate, grantsIn, RoleLookup, subjectOf } from "./evaluate.ts";
import type { RbacObjects, UserInfo } from "./types.ts";

export { covers } from "./covers.ts";

const RBAC_GROUP = "rbac.authorization.k8s.io";

/** The API server's own loopback client is in it, so its members may always do anything. */
const PRIVILEGED_GROUP = "system:masters";

/** What an aggregationRule could gather: anything, now or later. */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
  { verbs: ["*"], nonResourceURLs: ["*"] },
];

export type RbacObject = Role | ClusterRole | RoleBinding | ClusterRoleBinding;

export interface EscalationOptions {
  /**
   * On update, the object as stored. Its presence makes this an update: `escalate` is then checked
   * on the role's name (a create, a POST to the collection, has none in upstream's request info), and
   * a ClusterRole losing its aggregationRule needs the same authority as one gaining it.
   */
  old?: RbacObject;
}

export type EscalationStatus =
  | { code: 403; reason: "Forbidden"; message: string; details: StatusDetails }
  /** The binding's roleRef names no role (upstream returns the role lookup's own NotFound). */
  | { code: 404; reason: "NotFound"; message: string; details: StatusDetails };

export type EscalationResult = { allowed: true } | { allowed: false; status: EscalationStatus };

const ALLOWED: EscalationResult = { allowed: true };

// The schemas type `kind` as a string, so these guards are what tells the four kinds apart.
function isRole(object: RbacObject): object is Role | ClusterRole {
  return object.kind === "Role" || object.kind === "ClusterRole";
}

function isBinding(object: RbacObject): object is RoleBinding | ClusterRoleBinding {
  return object.kind === "RoleBinding" || object.kind === "ClusterRoleBinding";
}

function isClusterRole(object: RbacObject | undefined): object is ClusterRole {
  return object?.kind === "ClusterRole";
}

/** Resolves the user's rules; one per check, so aggregated ClusterRoles are resolved once. */
class Resolver {
  readonly objects: RbacObjects;
  readonly lookup: RoleLookup;

  constructor(objects: RbacObjects) {
    this.objects = objects;
    // Upstream's escalation check reads roles through the registry, so a missing one is named as
    // the registry names it.
    this.lookup = new RoleLookup(objects, "registry");
  }

  /** The user's rules in the namespace, and why some binding of theirs granted nothing. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const grant of grantsIn(namespace, this.objects)) {
      if (!subjectOf(grant, user)) continue;
      const found = this.lookup.rules(grant.roleRef, grant.namespace);
      if ("error" in found) errors.push(found.error);
      else rules.push(...found.rules);
    }
    return { rules, errors };
  }

  /** Upstream's ConfirmNoEscalation: undefined when held, else why not (one line per missing rule). */
  notHeld(user: UserInfo, namespace: string, requested: readonly PolicyRule[]): string | undefined {
    const owner = this.rulesFor(user, namespace);
    const { covered, missing } = covers(owner.rules, requested);
    if (covered) return undefined;
    const lines = [...new Set(missing.map(describeRule))].sort();
    const held = `user ${JSON.stringify(user.name)} (groups=${quoteList(user.groups)})`;
    let message = `${held} is attempting to grant RBAC permissions not currently held:\n${lines.join("\n")}`;
    // A binding to a missing role may be why a permission looks missing; upstream says so.
    if (owner.errors.length > 0) message += `; resolution errors: [${aggregate(owner.errors)}]`;
    return message;
  }
}

/**
 * Every rule granted to the user that applies in `namespace`: those of their ClusterRoleBindings,
 * and, unless the namespace is "" (cluster scope), those of their RoleBindings there. Bindings to
 * roles that do not exist grant nothing.
 */
export function rulesFor(user: UserInfo, namespace: string, objects: RbacObjects): PolicyRule[] {
  return new Resolver(objects).rulesFor(user, namespace).rules;
}

function details(resource: string, name: string): StatusDetails {
  return { name, group: RBAC_GROUP, kind: resource };
}

/** Upstream's NewForbidden message: `<resource>.<group> "<name>" is forbidden: <why>`. */
function forbidden(resource: string, name: string, why: string): EscalationResult {
  // A create with only generateName has no name yet when upstream checks, and says so by omission.
  const what = name ? `${resource}.${RBAC_GROUP} ${JSON.stringify(name)}` : `${resource}.${RBAC_GROUP}`;
  const message = `${what} is forbidden: ${why}`;
  return { allowed: false, status: { code: 403, reason: "Forbidden", message, details: details(resource, name) } };
}

function hasAggregationRule(object: RbacObject | undefined): boolean {
  return isClusterRole(object) && (object.aggregationRule?.clusterRoleSelectors ?? []).length > 0;
}

function confirmRole(
  user: UserInfo,
  role: Role | ClusterRole,
  objects: RbacObjects,
  old: RbacObject | undefined,
): EscalationResult {
  const resource = role.kind === "Role" ? "roles" : "clusterroles";
  const namespace = role.kind === "Role" ? (role.metadata.namespace ?? "") : "";
  const name = role.metadata.name ?? "";
  const escalate = { verb: "escalate", apiGroup: RBAC_GROUP, resource, namespace, ...(old ? { name } : {}) };
  if (evaluate(user, escalate, objects).allowed) return ALLOWED;

  const resolver = new Resolver(objects);
  const missing = resolver.notHeld(user, namespace, role.rules ?? []);
  if (missing) return forbidden(resource, name, missing);
  // An aggregationRule grants whatever ClusterRoles match it, including ones created later, and
  // removing one can keep its rules from being tightened; so either takes full authority, not just
  // the rules it gathers today. (The stored rules checked above are what the client sent.)
  if (hasAggregationRule(role) || hasAggregationRule(old)) {
    if (resolver.notHeld(user, "", FULL_AUTHORITY)) {
      return forbidden(resource, name, "must have cluster-admin privileges to use the aggregationRule");
    }
  }
  return ALLOWED;
}

/**
 * Upstream's BindingAuthorized: `bind` on the referenced role, asked in the binding's namespace (""
 * for a ClusterRoleBinding), so that binding a ClusterRole can be delegated per namespace.
 */
function bindAuthorized(user: UserInfo, ref: RoleRef, namespace: string, objects: RbacObjects): boolean {
  const resource = ref.kind === "ClusterRole" ? "clusterroles" : ref.kind === "Role" ? "roles" : undefined;
  if (!resource) return false;
  const bind = { verb: "bind", apiGroup: ref.apiGroup || RBAC_GROUP, resource, name: ref.name ?? "", namespace };
  return evaluate(user, bind, objects).allowed;
}

function confirmBinding(
  user: UserInfo,
  binding: RoleBinding | ClusterRoleBinding,
  objects: RbacObjects,
): EscalationResult {
  const resource = binding.kind === "RoleBinding" ? "rolebindings" : "clusterrolebindings";
  const namespace = binding.kind === "RoleBinding" ? (binding.metadata.namespace ?? "") : "";
  const name = binding.metadata.name ?? "";
  const ref = binding.roleRef ?? {};
  if (bindAuthorized(user, ref, namespace, objects)) return ALLOWED;

  const resolver = new Resolver(objects);
  const found = resolver.lookup.rules(ref, namespace);
  if ("error" in found) {
    if (!found.notFound) return forbidden(resource, name, found.error);
    const kind = ref.kind === "Role" ? "roles" : "clusterroles";
    const status: EscalationStatus = {
      code: 404,
      reason: "NotFound",
      message: found.error,
      details: details(kind, ref.name ?? ""),
    };
    return { allowed: false, status };
  }
  const notHeld = resolver.notHeld(user, namespace, found.rules);
  return notHeld ? forbidden(resource, name, notHeld) : ALLOWED;
}

/**
 * Whether the user may write the object (create it, or with `options.old` replace it) without
 * granting more than they hold. Only the escalation check: whether they may create or update such
 * objects at all is the authorizer's question, asked before.
 */
export function confirmNoEscalation(
  user: UserInfo,
  object: RbacObject,
  objects: RbacObjects,
  options: EscalationOptions = {},
): EscalationResult {
  const { kind } = object;
  if (user.groups.includes(PRIVILEGED_GROUP)) return ALLOWED;
  if (isRole(object)) return confirmRole(user, object, objects, options.old);
  if (isBinding(object)) return confirmBinding(user, object, objects);
  // Only the store calls this, with one of the four kinds; anything else is its bug, not a 403.
  throw new TypeError(`not an RBAC object: ${JSON.stringify(kind)}`);
}
