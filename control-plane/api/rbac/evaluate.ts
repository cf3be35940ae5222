// The RBAC decision for one request, as upstream's RBAC authorizer makes it: a ClusterRoleBinding
// grants its role's rules everywhere; a RoleBinding grants its Role's or ClusterRole's rules only in
// its own namespace, so requests at cluster scope (and non-resource URLs) are decided by
// ClusterRoleBindings alone. The first binding that applies to the user and has a rule covering the
// request allows it; nothing denies explicitly. Pure: the caller supplies the objects.

import type { ClusterRoleBinding, RoleBinding, RoleRef, Subject } from "../../../schemas/rbac/binding.ts";
import type { ClusterRole, PolicyRule, Role } from "../../../schemas/rbac/role.ts";
import { clusterRoleRules } from "./aggregation.ts";
import { ruleAllows } from "./rules.ts";
import { type Decision, isNonResource, type RbacObjects, type RequestAttributes, type UserInfo } from "./types.ts";

export type * from "./types.ts";

const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";

/**
 * Whether a subject names the user. A ServiceAccount subject without a namespace means the binding's
 * own (only RoleBindings may leave it out; at cluster scope such a subject names no one).
 */
function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case "User":
      return subject.name === user.name;
    case "Group":
      return user.groups.includes(subject.name ?? "");
    case "ServiceAccount": {
      const namespace = subject.namespace || bindingNamespace;
      return namespace !== "" && user.name === `${SERVICE_ACCOUNT_PREFIX}${namespace}:${subject.name ?? ""}`;
    }
    default:
      return false;
  }
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind !== "ServiceAccount") return `${subject.kind} ${JSON.stringify(subject.name ?? "")}`;
  return `${subject.kind} ${JSON.stringify(`${subject.name ?? ""}/${subject.namespace || bindingNamespace}`)}`;
}

/** `notFound` tells a reference to a missing role from one of an unsupported kind. */
export type Rules = { rules: PolicyRule[] } | { error: string; notFound: boolean };

/**
 * How a missing role is named. The authorizer reads roles through informer listers, whose NotFound
 * names the singular resource (`role.rbac.authorization.k8s.io "x" not found`); the escalation
 * check reads them through the registry, whose NotFound names the plural (`roles.rbac...`).
 */
export type NotFoundWording = "lister" | "registry";

/** Finds roles by reference; aggregated ClusterRoles are resolved once per lookup. */
export class RoleLookup {
  private readonly roles = new Map<string, Role>();
  private readonly clusterRoles = new Map<string, ClusterRole>();
  private readonly resolved = new Map<string, PolicyRule[]>();
  private readonly allClusterRoles: readonly ClusterRole[];
  private readonly wording: NotFoundWording;

  constructor(objects: RbacObjects, wording: NotFoundWording = "lister") {
    this.wording = wording;
    this.allClusterRoles = objects.clusterRoles;
    for (const r of objects.roles) this.roles.set(`${r.metadata.namespace ?? ""}/${r.metadata.name ?? ""}`, r);
    for (const r of objects.clusterRoles) this.clusterRoles.set(r.metadata.name ?? "", r);
  }

  /** The rules a roleRef grants, or upstream's error when it names nothing (it then grants nothing). */
  rules(ref: RoleRef | undefined, bindingNamespace: string): Rules {
    const name = ref?.name ?? "";
    if (ref?.kind === "Role") {
      const role = this.roles.get(`${bindingNamespace}/${name}`);
      return role ? { rules: role.rules ?? [] } : this.notFound("role", name);
    }
    if (ref?.kind === "ClusterRole") {
      const role = this.clusterRoles.get(name);
      if (!role) return this.notFound("clusterrole", name);
      let rules = this.resolved.get(name);
      if (!rules) {
        rules = clusterRoleRules(role, this.allClusterRoles);
        this.resolved.set(name, rules);
      }
      return { rules };
    }
    return { error: `unsupported role reference kind: ${JSON.stringify(ref?.kind ?? "")}`, notFound: false };
  }

  private notFound(resource: string, name: string): Rules {
    const what = this.wording === "registry" ? `${resource}s` : resource;
    return { error: `${what}.rbac.authorization.k8s.io ${JSON.stringify(name)} not found`, notFound: true };
  }
}

export interface Grant {
  /** How upstream names the binding in its reason: `ClusterRoleBinding "x"` or `RoleBinding "x/ns"`. */
  binding: string;
  namespace: string;
  subjects: readonly Subject[] | undefined;
  roleRef: RoleRef | undefined;
}

function clusterGrant(b: ClusterRoleBinding): Grant {
  const binding = `ClusterRoleBinding ${JSON.stringify(b.metadata.name ?? "")}`;
  return { binding, namespace: "", subjects: b.subjects, roleRef: b.roleRef };
}

function namespacedGrant(b: RoleBinding): Grant {
  const namespace = b.metadata.namespace ?? "";
  const binding = `RoleBinding ${JSON.stringify(`${b.metadata.name ?? ""}/${namespace}`)}`;
  return { binding, namespace, subjects: b.subjects, roleRef: b.roleRef };
}

/**
 * The bindings that may grant something in `namespace`, in upstream's order: every
 * ClusterRoleBinding, then, unless the namespace is "" (cluster scope), that namespace's RoleBindings.
 */
export function grantsIn(namespace: string, objects: RbacObjects): Grant[] {
  const grants = objects.clusterRoleBindings.map(clusterGrant);
  if (namespace) {
    for (const b of objects.roleBindings) if (b.metadata.namespace === namespace) grants.push(namespacedGrant(b));
  }
  return grants;
}

/** The first of a grant's subjects that names the user, if any. */
export function subjectOf(grant: Grant, user: UserInfo): Subject | undefined {
  return (grant.subjects ?? []).find((s) => subjectMatches(s, user, grant.namespace));
}

/** Go's error aggregate: one message as is, several deduplicated in brackets. */
export function aggregate(errors: readonly string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? (unique[0] ?? "") : `[${unique.join(", ")}]`;
}

export function evaluate(user: UserInfo, attrs: RequestAttributes, objects: RbacObjects): Decision {
  const namespace = isNonResource(attrs) ? "" : (attrs.namespace ?? "");
  const lookup = new RoleLookup(objects);
  const errors: string[] = [];
  for (const grant of grantsIn(namespace, objects)) {
    const subject = subjectOf(grant, user);
    if (!subject) continue;
    const found = lookup.rules(grant.roleRef, grant.namespace);
    if ("error" in found) {
      errors.push(found.error);
      continue;
    }
    if (found.rules.some((rule) => ruleAllows(rule, attrs))) {
      const role = `${grant.roleRef?.kind ?? ""} ${JSON.stringify(grant.roleRef?.name ?? "")}`;
      const to = describeSubject(subject, grant.namespace);
      return { allowed: true, reason: `RBAC: allowed by ${grant.binding} of ${role} to ${to}` };
    }
  }
  return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregate(errors)}` : "" };
}
