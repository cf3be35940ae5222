// The API server: a Hono app that serves the default cluster at the root and any other cluster
// under /clusters/<name>. Health endpoints need no credentials; everything else does.

import { Hono } from "hono";
import { ApiError } from "../api/errors.ts";
import { API_AUDIENCE, authenticate, type Identity } from "./auth.ts";
import { clientAddress } from "./client-address.ts";
import { CLUSTER_NAME, clusterExists, handleClusters } from "./clusters.ts";
import {
  AGGREGATED_CONTENT_TYPE,
  aggregatedDiscovery,
  legacyApiGroup,
  legacyApiGroupList,
  legacyApiVersions,
  legacyResourceList,
  wantsAggregated,
} from "./discovery.ts";
import { handleResource, notFoundPath } from "./handlers/resources.ts";
import { actingIdentity } from "./impersonation.ts";
import { handleJoin, handleNodeSocket } from "./nodes.ts";
import { openApiDocument, openApiIndex } from "./openapi.ts";
import { rbacUser } from "./rbac-authorizer.ts";
import { parseApiPath } from "./request-path.ts";
import { errorResponse, json } from "./respond.ts";
import { storeFor } from "./store-client.ts";
import { versionInfo } from "./version.ts";

type AppEnv = { Bindings: Env; Variables: { identity: Identity } };

/** Serves one cluster's API; `prefix` is the path the cluster is mounted at. */
async function serveCluster(
  request: Request,
  url: URL,
  env: Env,
  cluster: string,
  prefix: string,
  rest: string,
): Promise<Response> {
  if (
    rest === "/healthz" ||
    rest === "/livez" ||
    rest === "/readyz" ||
    rest.startsWith("/healthz/") ||
    rest.startsWith("/livez/") ||
    rest.startsWith("/readyz/")
  ) {
    return new Response("ok", { headers: { "content-type": "text/plain" } });
  }
  if (rest === "/kflare/v1/join") {
    if (!(await clusterExists(env, cluster))) throw missingCluster(cluster);
    return handleJoin(request, env, cluster);
  }
  const authenticated = await authenticate(request.headers.get("authorization"), clientAddress(request) ?? "local", {
    adminTokenHash: env.ADMIN_TOKEN_HASH,
    cluster,
    // Credentials stored in a cluster are only looked up once the cluster is known to exist.
    cacheMs: authCacheMs(env),
    credentialFor: async (hash) =>
      (await clusterExists(env, cluster)) ? storeFor(env, cluster).credentialIdentity(hash, API_AUDIENCE) : undefined,
  });
  if (authenticated.cluster !== undefined && authenticated.cluster !== cluster)
    throw new ApiError(401, "Unauthorized", "Unauthorized");
  // Only a service account's impersonation asks RBAC, and its token proved the cluster exists.
  const identity = await actingIdentity(request.headers, authenticated, cluster, (who, attrs) =>
    storeFor(env, cluster).authorize(rbacUser(who), attrs),
  );
  if (prefix === "") {
    const m = /^\/kflare\/v1\/clusters(?:\/([^/]+))?\/?$/.exec(rest);
    if (m) return handleClusters(request, env, identity, m[1]);
  }
  if (!(await clusterExists(env, cluster))) throw missingCluster(cluster);
  const nodePath = /^\/kflare\/v1\/nodes\/([^/]+)(\/session|\/ingress|\/streams\/[A-Za-z0-9-]+)$/.exec(rest);
  if (nodePath) return handleNodeSocket(request, env, cluster, identity, nodePath[1]!, nodePath[2]!);
  if (rest === "/version" || rest === "/version/") return json(versionInfo());
  if (rest === "/openapi/v3" || rest === "/openapi/v3/") return json(openApiIndex(prefix));
  if (rest.startsWith("/openapi/v3/")) {
    const doc = openApiDocument(rest.slice("/openapi/v3/".length));
    if (!doc) throw notFoundPath();
    return new Response(doc.body, {
      headers: { "content-type": "application/json", etag: `"${doc.hash}"`, "cache-control": "public, immutable" },
    });
  }
  if (rest === "/openapi/v2" || rest === "/swagger.json") throw notFoundPath();
  const parsed = parseApiPath(rest);
  const accept = request.headers.get("accept");
  switch (parsed.type) {
    case "root": {
      if (wantsAggregated(accept)) {
        const r = json(aggregatedDiscovery(parsed.core));
        r.headers.set("content-type", AGGREGATED_CONTENT_TYPE);
        return r;
      }
      return json(parsed.core ? legacyApiVersions() : legacyApiGroupList());
    }
    case "group": {
      const g = legacyApiGroup(parsed.group);
      if (!g) throw notFoundPath();
      return json(g);
    }
    case "groupVersion": {
      const list = legacyResourceList(parsed.group, parsed.version);
      if (!list) throw notFoundPath();
      return json(list);
    }
    case "resource":
      return handleResource(
        { env, cluster, request, url, store: storeFor(env, cluster), identity, prefix },
        parsed.path,
      );
    default:
      throw notFoundPath();
  }
}

/** AUTH_CACHE_SECONDS: how long a revoked token may still pass (tests set it low). */
function authCacheMs(env: Env): number | undefined {
  const n = Number((env as unknown as Record<string, string | undefined>).AUTH_CACHE_SECONDS);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
}

function missingCluster(cluster: string): ApiError {
  return new ApiError(
    404,
    "NotFound",
    `cluster "${cluster}" does not exist on this deployment; create it with: kflare cluster create ${cluster}`,
  );
}

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((err) => errorResponse(err));
  app.notFound(() => errorResponse(notFoundPath()));
  app.all("/clusters/:cluster/*", async (c) => {
    const cluster = c.req.param("cluster");
    if (!CLUSTER_NAME.test(cluster)) throw notFoundPath();
    const prefix = `/clusters/${cluster}`;
    const url = new URL(c.req.url);
    return serveCluster(c.req.raw, url, c.env, cluster, prefix, url.pathname.slice(prefix.length) || "/");
  });
  app.all("*", async (c) => {
    const url = new URL(c.req.url);
    return serveCluster(c.req.raw, url, c.env, "default", "", url.pathname);
  });
  return app;
}
