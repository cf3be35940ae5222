// The node endpoints: join (a bootstrap token exchanged for a node credential), the agent's
// session WebSocket and its data-stream WebSockets, both routed to the node's Durable Object.

import { PROTOCOL_VERSION } from "../../schemas/agent/protocol.ts";
import { ApiError, badRequest, forbidden } from "../api/errors.ts";
import { nodeSessionName } from "../durable-objects/node-session/names.ts";
import { SERVER_VERSION } from "../durable-objects/node-session/node-session.ts";
import { type Identity, sha256Hex } from "./auth.ts";
import { bodyText, parseJson, readBody } from "./body.ts";
import { json } from "./respond.ts";
import { storeFor, unwrap } from "./store-client.ts";

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** POST /kflare/v1/join {token: "<id>.<secret>", nodeName}: answers the node's own credential, once. */
export async function handleJoin(request: Request, env: Env, cluster: string): Promise<Response> {
  if (request.method !== "POST") throw new ApiError(405, "MethodNotAllowed", "join takes a POST");
  const body = parseJson(bodyText(await readBody(request))) as {
    token?: unknown;
    nodeName?: unknown;
    protocolVersion?: unknown;
  };
  if (body?.protocolVersion !== undefined && body.protocolVersion !== PROTOCOL_VERSION) {
    throw new ApiError(
      400,
      "BadRequest",
      `this control plane speaks node protocol ${PROTOCOL_VERSION} (k-agent ${SERVER_VERSION}); this agent speaks ${String(body.protocolVersion)}: upgrade k-agent to ${SERVER_VERSION}`,
    );
  }
  const m = typeof body?.token === "string" ? TOKEN.exec(body.token) : null;
  if (!m)
    throw badRequest(
      "token: must be a join token of the form <6 characters>.<16 characters> (kflare token create prints one)",
    );
  const nodeName = body.nodeName;
  if (typeof nodeName !== "string" || !NODE_NAME.test(nodeName)) {
    throw badRequest(
      `nodeName: "${String(nodeName)}" is not a valid node name (lowercase letters, digits, '-' and '.'; e.g. --node-name pi-1)`,
    );
  }
  const credential = randomToken();
  unwrap(
    await storeFor(env, cluster).joinNode({
      tokenId: m[1]!,
      secretHash: sha256Hex(m[2]!),
      nodeName,
      credentialHash: sha256Hex(credential),
    }),
  );
  return json(
    {
      kind: "NodeCredential",
      apiVersion: "kflare.dev/v1",
      nodeName,
      cluster,
      token: credential,
      protocolVersion: PROTOCOL_VERSION,
      serverVersion: SERVER_VERSION,
    },
    201,
  );
}

/** GET /kflare/v1/nodes/<node>/session or /streams/<id>: WebSocket upgrades for that node's agent only. */
export async function handleNodeSocket(
  request: Request,
  env: Env,
  cluster: string,
  identity: Identity,
  node: string,
  rest: string,
): Promise<Response> {
  if (identity.node !== node) throw forbidden(`User "${identity.user}" cannot open the session of node "${node}"`);
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") throw badRequest("expected a WebSocket upgrade");
  const target = new URL(`https://node-session${rest}`);
  target.searchParams.set("cluster", cluster);
  target.searchParams.set("node", node);
  const ns = env.NODE_SESSION;
  return ns.get(ns.idFromName(nodeSessionName(cluster, node))).fetch(new Request(target.toString(), request));
}
