// Many clusters per deployment: each is one store Durable Object, listed in the directory. Only
// the deployment-level admin creates, lists and deletes them (POST/GET/DELETE /kflare/v1/clusters).

import { ApiError, forbidden, invalid, notFound } from "../api/errors.ts";
import type { ClusterDirectory } from "../durable-objects/directory/cluster-directory.ts";
import { edgeRouter } from "../durable-objects/edge/edge-router.ts";
import { type Identity, isSuperuser } from "./auth.ts";
import { parseJson } from "./body.ts";
import { json } from "./respond.ts";
import { storeFor } from "./store-client.ts";

export const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function directory(env: Env): DurableObjectStub<ClusterDirectory> {
  return env.CLUSTER_DIRECTORY.get(env.CLUSTER_DIRECTORY.idFromName("directory"));
}

const KNOWN_MS = 10_000;
const known = new Map<string, number>();

/** Whether a cluster exists; positive answers are cached briefly per isolate. */
export async function clusterExists(env: Env, name: string): Promise<boolean> {
  if (name === "default") return true;
  const until = known.get(name);
  if (until !== undefined && until > Date.now()) return true;
  const exists = await directory(env).has(name);
  if (exists) known.set(name, Date.now() + KNOWN_MS);
  return exists;
}

function requireDeploymentAdmin(identity: Identity): void {
  if (identity.cluster !== undefined || !isSuperuser(identity)) {
    throw forbidden("only the deployment's admin can manage clusters");
  }
}

export async function handleClusters(
  request: Request,
  env: Env,
  identity: Identity,
  name: string | undefined,
): Promise<Response> {
  requireDeploymentAdmin(identity);
  const dir = directory(env);
  if (request.method === "GET" && name === undefined)
    return json({ kind: "ClusterList", apiVersion: "kflare.dev/v1", items: await dir.list() });
  if (request.method === "POST" && name === undefined) {
    const body = parseJson(await request.text()) as { metadata?: { name?: unknown }; name?: unknown };
    const wanted = body?.metadata?.name ?? body?.name;
    if (typeof wanted !== "string" || !CLUSTER_NAME.test(wanted)) {
      throw invalid("Cluster", String(wanted ?? ""), [
        {
          reason: "FieldValueInvalid",
          field: "metadata.name",
          message: "a cluster name must be a lowercase RFC 1123 label of at most 63 characters",
        },
      ]);
    }
    const record = await dir.create(wanted);
    if (!record)
      throw new ApiError(409, "AlreadyExists", `clusters "${wanted}" already exists`, {
        name: wanted,
        kind: "clusters",
      });
    return json({ kind: "Cluster", apiVersion: "kflare.dev/v1", metadata: record }, 201);
  }
  if (request.method === "DELETE" && name !== undefined) {
    if (name === "default") throw forbidden("the default cluster cannot be deleted");
    if (!(await dir.remove(name))) throw notFound("clusters", name);
    known.delete(name);
    await storeFor(env, name).destroy();
    // Its hosts are free for other clusters; requests for them no longer reach its nodes.
    await edgeRouter(env).forget(name);
    return json({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name, kind: "clusters" },
    });
  }
  throw new ApiError(
    405,
    "MethodNotAllowed",
    `the server does not allow this method on the requested resource: ${request.method} clusters`,
  );
}
