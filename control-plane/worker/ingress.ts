// Ingress traffic at the Worker: requests for hosts under the ingress domain (and everything on
// `npm start`'s local Ingress port) never meet the API server. The edge router picks the pod from
// the table the stores pushed to it; the request then goes to the Durable Object of the pod's
// node, which streams it over that node's ingress link to the agent, which proxies it to the pod.

import { edgeRouter } from "../durable-objects/edge/edge-router.ts";
import {
  INGRESS_REQUEST_PATH,
  INGRESS_TARGET_HEADER,
  type IngressTarget,
  tooLargeMessage,
} from "../durable-objects/node-session/ingress-streams.ts";
import { nodeSessionName } from "../durable-objects/node-session/names.ts";
import { edgeErrorResponse } from "../ingress/edge-response.ts";
import { clientAddress } from "./client-address.ts";

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export async function serveIngress(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const host = request.headers.get("host") ?? url.host;
  const decision = await edgeRouter(env).route(host, `${url.pathname}${url.search}`);
  if (!decision.ok) return edgeErrorResponse(decision.status, decision.message);
  const { cluster, endpoint } = decision;
  const maxBodyBytes = positive(env.INGRESS_MAX_BODY_BYTES, 100 * 1024 * 1024);
  // A declared size over the limit is refused here, before any byte is read; a streamed body is
  // counted by the node object as it passes.
  if (Number(request.headers.get("content-length") ?? "0") > maxBodyBytes)
    return edgeErrorResponse(413, tooLargeMessage(maxBodyBytes));
  const target: IngressTarget = {
    node: endpoint.node,
    ip: endpoint.ip,
    port: endpoint.port,
    path: `${url.pathname}${url.search}`,
    timeoutMs: positive(env.INGRESS_TIMEOUT_SECONDS, 60) * 1000,
    maxBodyBytes,
  };
  const headers = new Headers(request.headers);
  // What a pod behind a reverse proxy expects to learn about the original request.
  const client = clientAddress(request);
  if (client) {
    const prior = request.headers.get("x-forwarded-for");
    headers.set("x-forwarded-for", prior ? `${prior}, ${client}` : client);
  }
  headers.set("x-forwarded-proto", url.protocol.replace(/:$/, ""));
  headers.set("x-forwarded-host", host);
  headers.set(INGRESS_TARGET_HEADER, JSON.stringify(target));
  const ns = env.NODE_SESSION;
  const forward = new Request(`https://node-session${INGRESS_REQUEST_PATH}`, {
    method: request.method,
    headers,
    body: request.body,
  });
  return ns.get(ns.idFromName(nodeSessionName(cluster, endpoint.node))).fetch(forward);
}
