// Subresources: status (GET/PUT/PATCH), scale (autoscaling/v1 Scale), pods/binding and
// pods/eviction (what `kubectl drain` posts), pods/log, pods/exec, pods/attach and pods/portforward.

import type { KubeObject } from "../../../schemas/object.ts";
import type { Subresource } from "../../../schemas/registry.ts";
import { ApiError, badRequest } from "../../api/errors.ts";
import { formatLabelSelector, fromStructured, type StructuredSelector } from "../../api/selectors/labels.ts";
import { decodeObjectBody, mediaType, readBody } from "../body.ts";
import { managerOf } from "../managed-fields.ts";
import { parseWriteQuery } from "../query.ts";
import { json, objectResponse } from "../respond.ts";
import { unwrap } from "../store-client.ts";
import { type ResourceRequest, readFormat } from "./context.ts";
import { podStream } from "./exec.ts";
import { podLogs } from "./logs.ts";
import { patchObject, patchScale } from "./patch.ts";
import { podPortForward } from "./port-forward.ts";
import { notFoundPath } from "./resources.ts";
import { createServiceAccountToken } from "./token-request.ts";
import { deleteOptions, replaceObject } from "./write.ts";

function notAllowed(req: ResourceRequest, sub: string): ApiError {
  return new ApiError(
    405,
    "MethodNotAllowed",
    `the server does not allow this method on the requested resource: ${req.request.method} ${req.rt.plural}/${sub}`,
  );
}

export async function handleSubresource(req: ResourceRequest, name: string, sub: string): Promise<Response> {
  if (!req.rt.subresources.includes(sub as Subresource)) throw notFoundPath();
  const method = req.request.method;
  switch (sub) {
    case "status":
      if (method === "GET")
        return objectResponse(req.rt, unwrap(await req.store.get(req.ref, req.namespace, name)), readFormat(req));
      if (method === "PUT") return replaceObject(req, name, "status");
      if (method === "PATCH") return patchObject(req, name, "status");
      throw notAllowed(req, sub);
    case "scale":
      if (method === "GET") return json(toScale(unwrap(await req.store.get(req.ref, req.namespace, name))));
      if (method === "PUT") return putScale(req, name);
      if (method === "PATCH") return patchScale(req, name);
      throw notAllowed(req, sub);
    case "binding":
      if (method === "POST") return bind(req, name);
      throw notAllowed(req, sub);
    case "eviction":
      if (method === "POST") return evict(req, name);
      throw notAllowed(req, sub);
    case "log":
      if (method === "GET") return podLogs(req, name);
      throw notAllowed(req, sub);
    case "exec":
    case "attach":
      if (method === "GET" || method === "POST") return podStream(req, name, sub);
      throw notAllowed(req, sub);
    case "portforward":
      if (req.rt.plural === "pods" && (method === "GET" || method === "POST")) return podPortForward(req, name);
      throw notAllowed(req, sub);
    case "token":
      if (method === "POST") return createServiceAccountToken(req, name);
      throw notAllowed(req, sub);
    default:
      throw notFoundPath();
  }
}

/** The autoscaling/v1 Scale of a Deployment or ReplicaSet. */
export function toScale(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: StructuredSelector };
  const status = (obj.status ?? {}) as { replicas?: number };
  const m = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: formatLabelSelector(fromStructured(spec.selector)) },
  } as KubeObject;
}

/** Writes a Scale's replicas into its object; the Scale's resourceVersion, when set, is a precondition. */
export async function writeScale(
  req: ResourceRequest,
  name: string,
  scale: Record<string, unknown>,
): Promise<Response> {
  const q = parseWriteQuery(req.url);
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== "number" || !Number.isSafeInteger(replicas) || replicas < 0) {
    throw new ApiError(
      422,
      "Invalid",
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
      {
        name,
        group: "autoscaling",
        kind: "Scale",
        causes: [
          { reason: "FieldValueInvalid", field: "spec.replicas", message: "must be greater than or equal to 0" },
        ],
      },
    );
  }
  const live = unwrap(await req.store.get(req.ref, req.namespace, name));
  const rv = (scale.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  const next = {
    ...live,
    spec: { ...(live.spec as object), replicas },
    metadata: { ...live.metadata, resourceVersion: rv || live.metadata.resourceVersion },
  };
  // The writer owns spec.replicas through the scale subresource, as upstream records it: a later
  // server-side apply of another replica count conflicts with `"kubectl" with subresource "scale"`.
  const manager = managerOf(q.fieldManager, req.request.headers.get("user-agent"), false);
  const updated = unwrap(await req.store.update(req.ref, next, { dryRun: q.dryRun, manager, subresource: "scale" }));
  return json(toScale(updated));
}

async function putScale(req: ResourceRequest, name: string): Promise<Response> {
  const body = await decodeObjectBody(mediaType(req.request), await readBody(req.request));
  if (body.kind !== undefined && body.kind !== "Scale")
    throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (Scale)`);
  return writeScale(req, name, body);
}

async function bind(req: ResourceRequest, name: string): Promise<Response> {
  const q = parseWriteQuery(req.url);
  const body = await decodeObjectBody(mediaType(req.request), await readBody(req.request));
  const target = body.target as { kind?: string; name?: string } | undefined;
  if (!target?.name) {
    throw new ApiError(422, "Invalid", `Binding "${name}" is invalid: target.name: Required value`, {
      name,
      kind: "Binding",
      causes: [{ reason: "FieldValueRequired", field: "target.name", message: "Required value" }],
    });
  }
  if (target.kind && target.kind !== "Node")
    throw badRequest(`target.kind: Unsupported value: "${target.kind}": supported values: "Node"`);
  const uid = (body.metadata as { uid?: string } | undefined)?.uid;
  unwrap(await req.store.bind(req.ref, req.namespace, name, target.name, { dryRun: q.dryRun, uid }));
  return json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 }, 201);
}

async function evict(req: ResourceRequest, name: string): Promise<Response> {
  const body = await decodeObjectBody(mediaType(req.request), await readBody(req.request));
  if (body.kind !== undefined && body.kind !== "Eviction") {
    throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (Eviction)`);
  }
  const bodyName = (body.metadata as { name?: string } | undefined)?.name;
  if (bodyName && bodyName !== name) throw badRequest(`name in URL does not match name in Eviction object`);
  const opts = deleteOptions((body.deleteOptions ?? {}) as Record<string, unknown>);
  unwrap(await req.store.delete(req.ref, req.namespace, name, opts));
  return json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 }, 201);
}
