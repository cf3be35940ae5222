// The Worker's entry point: the API server app, Ingress traffic, and the Durable Object classes it
// binds. Requests for hosts under the ingress domain are Ingress traffic; everything else is the
// API. `npm start` also serves Ingress on a port of its own through IngressEntrypoint, so local
// hosts (web.example) and the API's address never mix.

import { WorkerEntrypoint } from "cloudflare:workers";
import { configureAdmission } from "../api/admit.ts";
import { ClusterDirectory } from "../durable-objects/directory/cluster-directory.ts";
import { EdgeRouter } from "../durable-objects/edge/edge-router.ts";
import { NodeSession } from "../durable-objects/node-session/node-session.ts";
import { ClusterStore } from "../durable-objects/store/cluster-store.ts";
import { ingressDomain } from "../durable-objects/store/ingress-domain.ts";
import { underDomain } from "../ingress/edge-table.ts";
import { createApp } from "./app.ts";
import { serveIngress } from "./ingress.ts";

export { ClusterDirectory, ClusterStore, EdgeRouter, NodeSession };

const app = createApp();

/** Every request on the local Ingress port is Ingress traffic. */
export class IngressEntrypoint extends WorkerEntrypoint<Env> {
  override fetch(request: Request): Promise<Response> {
    return serveIngress(request, this.env);
  }
}

export default {
  fetch: (request, env, ctx) => {
    const domain = ingressDomain(env);
    if (domain && underDomain(request.headers.get("host") ?? new URL(request.url).host, domain))
      return serveIngress(request, env);
    configureAdmission(env as unknown as Record<string, string | undefined>);
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
