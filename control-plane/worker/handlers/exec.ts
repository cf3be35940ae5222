// kubectl exec and attach (pods/<name>/exec, pods/<name>/attach): the request is checked here as
// kube-apiserver checks it (container, phase, node, streams), then its WebSocket goes to the node's
// Durable Object, which bridges it to a data socket the node's agent dials. kubectl 1.30+ asks for
// a WebSocket with subprotocol v5.channel.k8s.io (v4 is accepted too); a Worker cannot answer
// SPDY/3.1, which older clients and kubectl's fallback ask for: they get a 400 saying so, after the
// same checks, so a mistake (a wrong container) reads the same either way.

import { ApiError, badRequest } from "../../api/errors.ts";
import { nodeSessionName } from "../../durable-objects/node-session/names.ts";
import { unwrap } from "../store-client.ts";
import type { ResourceRequest } from "./context.ts";

/** Channel protocols this server speaks, preferred first. */
const CHANNEL_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
const RUNTIME_CLASSES = { group: "node.k8s.io", version: "v1", plural: "runtimeclasses" };

interface PodShape {
  metadata: { uid?: string };
  spec?: {
    nodeName?: string;
    runtimeClassName?: string;
    containers?: { name: string }[];
    initContainers?: { name: string }[];
    ephemeralContainers?: { name: string }[];
  };
  status?: { phase?: string };
}

const flag = (q: URLSearchParams, name: string) => q.get(name) === "true" || q.get(name) === "1";

export async function podStream(req: ResourceRequest, name: string, kind: "exec" | "attach"): Promise<Response> {
  const pod = unwrap(await req.store.get(req.ref, req.namespace, name)) as unknown as PodShape;
  const spec = pod.spec ?? {};
  const q = req.url.searchParams;
  const container = containerOf(spec, name, q.get("container") ?? "");
  const command = q.getAll("command");
  const stdin = flag(q, "stdin");
  const tty = flag(q, "tty");
  const stdout = flag(q, "stdout");
  // A terminal merges stderr into stdout (upstream drops stderr with tty too).
  const stderr = flag(q, "stderr") && !tty;
  if (kind === "exec" && command.length === 0)
    throw badRequest("you must specify at least one command for the container");
  if (!stdin && !stdout && !flag(q, "stderr")) throw badRequest("you must specify at least 1 of stdin, stdout, stderr");
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed")
    throw badRequest(
      `cannot ${kind === "exec" ? "exec into" : "attach to"} a container in a completed pod; current phase is ${phase}`,
    );
  if (!spec.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  if (spec.runtimeClassName) {
    const rc = await req.store.get(RUNTIME_CLASSES, "", spec.runtimeClassName);
    if (rc.ok && (rc.value as { handler?: string }).handler === "wasm")
      throw badRequest(
        `${kind} is not supported for WebAssembly pods: pod ${name} runs on the wasm runtime (RuntimeClass ${spec.runtimeClassName})`,
      );
  }

  const protocol = chooseProtocol(req.request);
  const target = new URL("https://node-session/exec");
  const params: Record<string, string> = {
    cluster: req.cluster,
    node: spec.nodeName,
    kind,
    protocol,
    namespace: req.namespace,
    pod: name,
    uid: pod.metadata.uid ?? "",
    container,
    stdin: String(stdin),
    stdout: String(stdout),
    stderr: String(stderr),
    tty: String(tty),
  };
  for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
  for (const c of command) target.searchParams.append("command", c);
  const ns = req.env.NODE_SESSION;
  return ns.get(ns.idFromName(nodeSessionName(req.cluster, spec.nodeName))).fetch(new Request(target, req.request));
}

/** The container asked for, or the pod's only one; 400 as upstream words it otherwise. */
function containerOf(spec: NonNullable<PodShape["spec"]>, pod: string, asked: string): string {
  const containers = spec.containers ?? [];
  if (!asked) {
    if (containers.length !== 1)
      throw badRequest(
        `a container name must be specified for pod ${pod}, choose one of: [${containers.map((c) => c.name).join(" ")}]`,
      );
    return containers[0]!.name;
  }
  const all = [...containers, ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])];
  if (!all.some((c) => c.name === asked)) throw badRequest(`container ${asked} is not valid for pod ${pod}`);
  return asked;
}

/** Why a SPDY/3.1 upgrade (an old kubectl, or its fallback) is refused. */
export function spdyRefused(): ApiError {
  return new ApiError(
    400,
    "BadRequest",
    "this server streams exec, attach and port-forward over WebSockets only (it cannot answer SPDY/3.1 upgrades): use kubectl 1.30 or newer, without KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false",
  );
}

/** The channel protocol of a WebSocket upgrade; a 400 for SPDY and for plain requests. */
function chooseProtocol(request: Request): string {
  const upgrade = (request.headers.get("upgrade") ?? "").toLowerCase();
  if (upgrade === "websocket") {
    const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const chosen = CHANNEL_PROTOCOLS.find((p) => offered.includes(p));
    if (chosen === undefined)
      throw badRequest(
        `unsupported WebSocket subprotocol ${JSON.stringify(offered.join(", "))}: this server speaks ${CHANNEL_PROTOCOLS.join(" and ")}`,
      );
    return chosen;
  }
  if (upgrade.startsWith("spdy/")) throw spdyRefused();
  throw badRequest("Upgrade request required");
}
