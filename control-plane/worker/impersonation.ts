// Impersonation: kube-apiserver's Impersonate-User, -Group, -Uid and -Extra-<key> headers, which
// `kubectl --as`, `--as-group` and `--as-uid` send. The requester must be allowed the `impersonate`
// verb on each thing it asks to be (users, groups, serviceaccounts, uids, userextras); the request
// then runs as that identity, decided by the same authorizers as any other. Without this the
// headers were ignored, and `kubectl --as=<someone> auth can-i ...` answered for the admin.

import { badRequest, forbidden } from "../api/errors.ts";
import type { RequestAttributes, ResourceAttributes } from "../api/rbac/types.ts";
import { type Identity, isSuperuser, nodeIdentity, serviceAccountIdentity } from "./auth.ts";

const USER = "impersonate-user";
const GROUP = "impersonate-group";
const UID = "impersonate-uid";
const EXTRA_PREFIX = "impersonate-extra-";

const SA_PREFIX = "system:serviceaccount:";
const NODE_PREFIX = "system:node:";

/** Asks RBAC about the requester; the store's `authorize`. */
export type RbacCheck = (identity: Identity, attrs: RequestAttributes) => Promise<{ allowed: boolean }>;

interface Requested {
  user: string;
  groups: string[];
  uid: string | undefined;
  extra: Record<string, string[]>;
}

// Repeated headers arrive joined with ", " (Fetch's Headers); group names hold no commas.
const split = (v: string | null) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** What the headers ask to act as; undefined without Impersonate-User (two lookups per request). */
function requested(headers: Headers): Requested | undefined {
  const user = headers.get(USER);
  if (!user) {
    if (headers.has(GROUP) || headers.has(UID))
      throw badRequest("requested impersonation of groups or a uid without impersonating a user");
    return undefined;
  }
  const extra: Record<string, string[]> = {};
  for (const [name, value] of headers) {
    if (!name.startsWith(EXTRA_PREFIX)) continue;
    // Keys are percent-encoded in header names (upstream's convention for characters like '/').
    extra[decodeURIComponent(name.slice(EXTRA_PREFIX.length))] = split(value);
  }
  return { user, groups: split(headers.get(GROUP)), uid: headers.get(UID) ?? undefined, extra };
}

/** One thing the requester asks to be, as the RBAC attributes upstream checks for it. */
type Check = ResourceAttributes & { name: string };

/** What the requester must be allowed to `impersonate`, as upstream checks it. */
function checks(r: Requested): Check[] {
  const out: Check[] = [];
  const sa = serviceAccountOf(r.user);
  if (sa)
    out.push({
      verb: "impersonate",
      apiGroup: "",
      resource: "serviceaccounts",
      namespace: sa.namespace,
      name: sa.name,
    });
  else out.push({ verb: "impersonate", apiGroup: "", resource: "users", name: r.user });
  for (const g of r.groups) out.push({ verb: "impersonate", apiGroup: "", resource: "groups", name: g });
  if (r.uid !== undefined)
    out.push({ verb: "impersonate", apiGroup: "authentication.k8s.io", resource: "uids", name: r.uid });
  for (const [key, values] of Object.entries(r.extra))
    for (const v of values)
      out.push({
        verb: "impersonate",
        apiGroup: "authentication.k8s.io",
        resource: "userextras",
        subresource: key,
        name: v,
      });
  return out;
}

function serviceAccountOf(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SA_PREFIX)) return undefined;
  const [namespace, name, ...rest] = user.slice(SA_PREFIX.length).split(":");
  return namespace && name && rest.length === 0 ? { namespace, name } : undefined;
}

/**
 * The identity a request acts as: the authenticated one, or the one its Impersonate-* headers ask
 * for once the requester may impersonate it (403 otherwise, worded as upstream words it).
 */
export async function actingIdentity(
  headers: Headers,
  requester: Identity,
  cluster: string,
  rbac: RbacCheck,
): Promise<Identity> {
  const r = requested(headers);
  if (!r) return requester;
  for (const c of checks(r)) {
    // Nodes may not impersonate (upstream's node authorizer has no opinion and no role grants it).
    const allowed = isSuperuser(requester) || (requester.node === undefined && (await rbac(requester, c)).allowed);
    if (!allowed) {
      const scope = c.namespace ? `in the namespace "${c.namespace}"` : "at the cluster scope";
      throw forbidden(
        `${c.resource} "${c.name}" is forbidden: User "${requester.user}" cannot impersonate resource "${c.resource}" in API group "${c.apiGroup}" ${scope}`,
        { name: c.name, group: c.apiGroup, kind: c.resource },
      );
    }
  }
  return impersonated(r, cluster);
}

/** The identity a user name stands for, built as authentication builds one of its kind. */
function baseIdentity(r: Requested, cluster: string): Identity {
  const sa = serviceAccountOf(r.user);
  // A service account's user name brings its groups.
  if (sa) return serviceAccountIdentity({ ...sa, uid: r.uid ?? "" }, cluster);
  // A node as upstream's node authorizer recognises one: its user name and the system:nodes group.
  if (r.user.startsWith(NODE_PREFIX) && r.groups.includes("system:nodes"))
    return nodeIdentity(r.user.slice(NODE_PREFIX.length), cluster);
  const everyone = r.user === "system:anonymous" ? "system:unauthenticated" : "system:authenticated";
  return { user: r.user, groups: [everyone], cluster };
}

/** The identity asked for, with the groups asked for in front of its own. */
function impersonated(r: Requested, cluster: string): Identity {
  const base = baseIdentity(r, cluster);
  return {
    ...base,
    groups: [...new Set([...r.groups, ...base.groups])],
    ...(r.uid !== undefined ? { uid: r.uid } : {}),
    ...(Object.keys(r.extra).length > 0 ? { extra: r.extra } : {}),
  };
}
