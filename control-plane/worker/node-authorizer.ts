// What a node credential may do through the REST API (upstream's Node authorizer with
// NodeRestriction): read nodes, services and runtime classes; its own pods and exactly what they
// reference; write its own Node, its own Lease, its pods' status, events; delete its own pods;
// request tokens bound to its own pods.
// Everything else is 403 with upstream's wording.

import { forbidden } from "../api/errors.ts";
import type { ResourceRef } from "../durable-objects/store/types.ts";
import type { Identity } from "./auth.ts";
import type { ResourceRequest } from "./handlers/context.ts";
import type { StoreStub } from "./store-client.ts";

const READ_ANY = new Set(["nodes", "services", "runtimeclasses", "endpointslices", "endpoints"]);

/** The authorizer verb of a request (kube-apiserver's RequestInfo: get/list/watch/create/update/patch/delete...). */
export function verbOf(req: ResourceRequest): string {
  const m = req.request.method;
  const named = req.path.name !== undefined;
  if (m === "GET") {
    if (req.url.searchParams.get("watch") === "true" || req.path.legacyWatch) return "watch";
    return named ? "get" : "list";
  }
  return (
    { POST: "create", PUT: "update", PATCH: "patch", DELETE: named ? "delete" : "deletecollection" }[m] ??
    m.toLowerCase()
  );
}

/** A 403 worded as kube-apiserver words it; `why` (may be "") follows a colon. */
export function refuse(identity: Identity, verb: string, req: ResourceRequest, why: string) {
  const scope = req.namespace ? `in the namespace "${req.namespace}"` : "at the cluster scope";
  const resource = req.path.subresource ? `${req.rt.plural}/${req.path.subresource}` : req.rt.plural;
  return forbidden(
    `${resource}${req.path.name ? ` "${req.path.name}"` : ""} is forbidden: User "${identity.user}" cannot ${verb} resource "${resource}" in API group "${req.rt.group}" ${scope}${why ? `: ${why}` : ""}`,
    { name: req.path.name, group: req.rt.group, kind: req.rt.plural },
  );
}

/** What the node authorizer decides on: a request's attributes (or a SelfSubjectAccessReview's). */
export interface NodeRequest {
  verb: string;
  ref: ResourceRef;
  namespace: string;
  /** "" when the request names no object. */
  name: string;
  subresource: string | undefined;
  /** The request's fieldSelector ("" when none). */
  fieldSelector: string;
}

/**
 * Whether a node may make a request: undefined when it may, else why not (upstream's wording). The
 * store is asked only when the answer depends on which pods are bound to the node.
 */
export async function nodeRefusal(node: string, r: NodeRequest, store: StoreStub): Promise<string | undefined> {
  const { verb, name, subresource: sub } = r;
  const plural = r.ref.plural;
  const read = verb === "get" || verb === "list" || verb === "watch";
  if (read && READ_ANY.has(plural) && !sub) return undefined;
  // Nodes never open sessions into pods (upstream's system:node role has no pods/exec).
  if (plural === "pods" && (sub === "exec" || sub === "attach" || sub === "portforward"))
    return "nodes may not open sessions into pods";
  const related = async () =>
    (await store.nodeMayRead(node, r.ref, r.namespace, name))
      ? undefined
      : `no relationship found between node '${node}' and this object`;
  if (plural === "pods") {
    if (
      (verb === "list" || verb === "watch") &&
      new RegExp(`(^|,)spec\\.nodeName==?${node.replace(/\./g, "\\.")}(,|$)`).test(r.fieldSelector)
    )
      return undefined;
    if (
      name &&
      (verb === "get" ||
        verb === "delete" ||
        ((verb === "update" || verb === "patch") && sub === "status") ||
        (verb === "get" && sub === "log"))
    )
      return related();
    return "can only list/watch pods with spec.nodeName field selector, and update the status of pods bound to it";
  }
  if ((plural === "configmaps" || plural === "secrets") && verb === "get" && name) return related();
  if (plural === "nodes" && (verb === "create" || verb === "update" || verb === "patch")) {
    if (name === node || (verb === "create" && !name)) return undefined;
    return `node '${node}' cannot modify node '${name}'`;
  }
  if (plural === "leases" && r.namespace === "kube-node-lease" && (name === node || (verb === "create" && !name)))
    return undefined;
  if (plural === "events" && (verb === "create" || verb === "patch" || verb === "update")) return undefined;
  // Tokens for its pods' service accounts; the store refuses a pod not bound to this node.
  if (plural === "serviceaccounts" && sub === "token" && verb === "create") return undefined;
  return "nodes may not do this";
}

export async function authorizeNode(identity: Identity, req: ResourceRequest): Promise<void> {
  const verb = verbOf(req);
  const sub = req.path.subresource;
  const why = await nodeRefusal(
    identity.node!,
    {
      verb,
      ref: req.ref,
      namespace: req.namespace,
      name: req.path.name ?? "",
      subresource: sub,
      fieldSelector: req.url.searchParams.get("fieldSelector") ?? "",
    },
    req.store,
  );
  if (why === undefined) return;
  // A session into a pod is refused as the create it is, whatever the method.
  const session = req.rt.plural === "pods" && (sub === "exec" || sub === "attach" || sub === "portforward");
  throw refuse(identity, session && verb === "get" ? "create" : verb, req, why);
}
