// Authorization by RBAC (Roles, ClusterRoles and their bindings in the cluster's store), as
// kube-apiserver's RBAC authorizer decides it, for every identity but the superuser group (allowed
// everything) and nodes (the node authorizer): service accounts, and whoever is impersonated.

import type { KubeObject } from "../../schemas/object.ts";
import { ApiError } from "../api/errors.ts";
import type { UserInfo } from "../api/rbac/types.ts";
import { type Identity, isSuperuser } from "./auth.ts";
import type { ResourceRequest } from "./handlers/context.ts";
import { refuse, verbOf } from "./node-authorizer.ts";

/** Whether RBAC decides for an identity: everyone but the superuser group and nodes. */
export function decidedByRbac(identity: Identity): boolean {
  return identity.node === undefined && !isSuperuser(identity);
}

/** Who RBAC sees asking: an identity's user name and groups. */
export function rbacUser(identity: Identity): UserInfo {
  return { name: identity.user, groups: identity.groups };
}

export async function authorizeRbac(identity: Identity, req: ResourceRequest): Promise<void> {
  // Opening a session into a pod is a create, whatever the method (WebSocket upgrades are GETs):
  // upstream checks `create` on pods/exec, pods/attach and pods/portforward.
  const sub = req.path.subresource;
  const verb = sub === "exec" || sub === "attach" || sub === "portforward" ? "create" : verbOf(req);
  // A list or watch of one object by name (kubectl get pod x -w, single-object informers) is
  // authorized for that name, so rules limited by resourceNames apply, as upstream does.
  const named =
    req.path.name ??
    (verb === "list" || verb === "watch"
      ? /(?:^|,)metadata\.name==?([^,]+)(?:,|$)/.exec(req.url.searchParams.get("fieldSelector") ?? "")?.[1]
      : undefined);
  const decision = await req.store.authorize(rbacUser(identity), {
    verb,
    apiGroup: req.rt.group,
    resource: req.rt.plural,
    ...(req.path.subresource ? { subresource: req.path.subresource } : {}),
    ...(named !== undefined ? { name: named } : {}),
    namespace: req.namespace,
  });
  if (!decision.allowed) throw refuse(identity, verb, req, decision.reason);
}

/**
 * A service account writing a Role, ClusterRole or binding may not grant more than it holds
 * (unless it has `escalate` or `bind`): checked on the object as it will be stored.
 */
export async function confirmRbacWrite(req: ResourceRequest, object: KubeObject): Promise<void> {
  if (!decidedByRbac(req.identity) || req.rt.group !== "rbac.authorization.k8s.io") return;
  const result = await req.store.confirmRbacWrite(rbacUser(req.identity), object);
  if (!result.allowed) {
    const s = result.status;
    throw new ApiError(s.code, s.reason, s.message, s.details);
  }
}
