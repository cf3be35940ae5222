// kubectl port-forward (pods/<name>/portforward): kubectl 1.31+ asks for a WebSocket with
// subprotocol SPDY/3.1+portforward.k8s.io and then tunnels a raw SPDY/3.1 session through it (the
// port travels in SPDY headers, not the URL). The pod is checked here (node, phase), then
// the WebSocket goes to the node's Durable Object, which relays its bytes to a data socket the
// node's agent dials; the agent terminates the SPDY session and dials the pod (WebAssembly pods
// too: they serve on their pod IP). SPDY upgrades (old clients, kubectl's fallback) get a 400
// saying why, as exec does.

import { badRequest } from "../../api/errors.ts";
import { nodeSessionName } from "../../durable-objects/node-session/names.ts";
import { unwrap } from "../store-client.ts";
import type { ResourceRequest } from "./context.ts";
import { spdyRefused } from "./exec.ts";

const PROTOCOL = "SPDY/3.1+portforward.k8s.io";

interface PodShape {
  metadata: { uid?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

export async function podPortForward(req: ResourceRequest, name: string): Promise<Response> {
  const pod = unwrap(await req.store.get(req.ref, req.namespace, name)) as unknown as PodShape;
  const spec = pod.spec ?? {};
  if (!spec.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const phase = pod.status?.phase ?? "Pending";
  if (phase !== "Running")
    throw badRequest(`unable to forward port because pod is not running. Current status=${phase}`);
  const upgrade = (req.request.headers.get("upgrade") ?? "").toLowerCase();
  if (upgrade.startsWith("spdy/")) throw spdyRefused();
  if (upgrade !== "websocket") throw badRequest("Upgrade request required");
  const offered = (req.request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
  if (!offered.includes(PROTOCOL))
    throw badRequest(
      `unsupported WebSocket subprotocol ${JSON.stringify(offered.join(", "))}: port-forward speaks ${PROTOCOL}`,
    );

  const target = new URL("https://node-session/portforward");
  const params: Record<string, string> = {
    cluster: req.cluster,
    node: spec.nodeName,
    kind: "portforward",
    protocol: PROTOCOL,
    namespace: req.namespace,
    pod: name,
    uid: pod.metadata.uid ?? "",
  };
  for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
  const ns = req.env.NODE_SESSION;
  return ns.get(ns.idFromName(nodeSessionName(req.cluster, spec.nodeName))).fetch(new Request(target, req.request));
}
