// One Durable Object per node: holds the agent's control WebSocket (hibernating: an idle node costs
// nothing), answers keepalives without waking (auto-response), renews the node's Lease while those
// keepalives keep arriving (an open socket alone proves nothing: NATs drop sockets silently),
// pushes the node's assignment when it changes, forwards the agent's reports to the store with the
// node's rights only, and pairs data streams (kubectl logs, exec, attach, port-forward) with the agent's data
// sockets.

import { DurableObject } from "cloudflare:workers";
import {
  type AgentFrame,
  agentFrame,
  KEEPALIVE_PING,
  KEEPALIVE_PONG,
  PROTOCOL_VERSION,
  parseFrame,
  type ServerFrame,
} from "../../../schemas/agent/protocol.ts";
import { ApiError } from "../../api/errors.ts";
import { storeClient } from "../store/client.ts";
import { ExecSessions } from "./exec-sessions.ts";
import { INGRESS_REQUEST_PATH, INGRESS_TARGET_HEADER, IngressStreams, type IngressTarget } from "./ingress-streams.ts";
import { LogStreams } from "./log-streams.ts";
import { DEFAULT_KEEPALIVE_SECONDS } from "./names.ts";
import { answerNodeRequest } from "./node-requests.ts";

export const SERVER_VERSION = "0.1.0";
/** The control link's close code when the node's credential was revoked (4001: replaced, 4002: protocol). */
export const CLOSE_REVOKED = 4003;

interface Attachment {
  cluster: string;
  node: string;
  /** Digest of the last assignment sent on this socket. */
  digest: string;
  /** Digest of the last Services and EndpointSlices sent on this socket ("" for none). */
  networkDigest?: string;
  helloed: boolean;
}

function seconds(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export class NodeSession extends DurableObject<Env> {
  private readonly streams = new LogStreams((id) => {
    for (const ws of this.ctx.getWebSockets(`stream:${id}`)) ws.close(1000, "the reader went away");
  });

  private readonly execs = new ExecSessions(this.ctx);

  private readonly ingress = new IngressStreams(() => this.ingressLink());

  private ingressLink(except?: WebSocket): WebSocket | undefined {
    return this.ctx.getWebSockets("ingress").find((w) => w !== except && w.readyState === WebSocket.OPEN);
  }

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(KEEPALIVE_PING, KEEPALIVE_PONG));
  }

  private get vars(): Record<string, string | undefined> {
    return this.env as unknown as Record<string, string | undefined>;
  }

  private keepaliveMs(): number {
    return seconds(this.vars.NODE_KEEPALIVE_SECONDS, DEFAULT_KEEPALIVE_SECONDS) * 1000;
  }

  private control(): WebSocket | undefined {
    return this.ctx.getWebSockets("control")[0];
  }

  private send(ws: WebSocket, frame: ServerFrame): void {
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // The socket is going away; the agent reconnects and gets a fresh assignment.
    }
  }

  /**
   * The store refused this node as no longer joined (its Node was deleted, which revoked its
   * credential): the link closes, and the agent's reconnection is refused with the next step.
   * True when that is what happened.
   */
  private closeIfRevoked(ws: WebSocket, status: { code?: number }): boolean {
    if (status.code !== 401) return false;
    try {
      ws.close(CLOSE_REVOKED, "this node's credential was revoked (its Node was deleted)");
    } catch {
      // already closed
    }
    return true;
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    // An Ingress request for a pod on this node: only the Worker's Ingress handler uses this path.
    const target = request.headers.get(INGRESS_TARGET_HEADER);
    // The target header itself is not passed on to the pod (IngressStreams skips it).
    if (url.pathname === INGRESS_REQUEST_PATH && target !== null)
      return this.ingress.request(request, JSON.parse(target) as IngressTarget);
    const cluster = url.searchParams.get("cluster") ?? "default";
    const node = url.searchParams.get("node") ?? "";
    if (url.pathname === "/session") return this.acceptControl(cluster, node);
    if (url.pathname === "/ingress") return this.acceptIngressLink();
    const stream = /^\/streams\/([A-Za-z0-9-]+)$/.exec(url.pathname);
    if (stream) return this.acceptStream(stream[1]!);
    if (url.pathname === "/logs") return this.openLogs(url);
    if (url.pathname === "/exec" || url.pathname === "/portforward") {
      const ws = this.control();
      const helloed = ws && (ws.deserializeAttachment() as Attachment).helloed ? ws : undefined;
      return this.execs.open(url, helloed, (to, frame) => this.send(to, frame));
    }
    return new Response("not found", { status: 404 });
  }

  private acceptControl(cluster: string, node: string): Response {
    // A reconnecting agent replaces its old socket (which a NAT may have silently dropped).
    for (const old of this.ctx.getWebSockets("control")) old.close(4001, "replaced by a newer connection");
    const pair = new WebSocketPair();
    const attachment: Attachment = { cluster, node, digest: "", helloed: false };
    this.ctx.acceptWebSocket(pair[1], ["control"]);
    pair[1].serializeAttachment(attachment);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** The agent's ingress socket: a newer one replaces the old (whose streams are lost with it). */
  private acceptIngressLink(): Response {
    for (const old of this.ctx.getWebSockets("ingress")) old.close(4001, "replaced by a newer connection");
    this.ingress.linkClosed();
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], ["ingress"]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  private acceptStream(id: string): Response {
    if (!this.streams.has(id) && !this.execs.expects(id)) return new Response("unknown stream", { status: 404 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [`stream:${id}`]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  private async openLogs(url: URL): Promise<Response> {
    const ws = this.control();
    const node = url.searchParams.get("node") ?? "";
    if (!ws || !(ws.deserializeAttachment() as Attachment).helloed) {
      const err = new ApiError(
        503,
        "ServiceUnavailable",
        `node "${node}" is not connected: its agent is offline or unreachable`,
      );
      return Response.json(err.toStatus(), { status: 503 });
    }
    const id = crypto.randomUUID();
    const q = url.searchParams;
    const num = (k: string) => (q.has(k) ? Number(q.get(k)) : undefined);
    const response = this.streams.open(id, () => {
      const err = new ApiError(504, "Timeout", `node "${node}" did not open the log stream in time`);
      return Response.json(err.toStatus(), { status: 504 });
    });
    this.send(ws, {
      type: "openStream",
      id,
      kind: "logs",
      namespace: q.get("namespace") ?? "",
      pod: q.get("pod") ?? "",
      uid: q.get("uid") ?? "",
      container: q.get("container") ?? "",
      follow: q.get("follow") === "true",
      previous: q.get("previous") === "true",
      timestamps: q.get("timestamps") === "true",
      tailLines: num("tailLines"),
      sinceSeconds: num("sinceSeconds"),
      sinceTime: q.get("sinceTime") ?? undefined,
      limitBytes: num("limitBytes"),
    });
    return response;
  }

  /** The store says this node's assignment may have changed. */
  async poke(cluster: string, node: string): Promise<void> {
    const ws = this.control();
    if (!ws) return;
    const a = ws.deserializeAttachment() as Attachment;
    if (a.helloed && a.cluster === cluster && a.node === node) await this.sendAssignment(ws, a);
  }

  private async sendAssignment(ws: WebSocket, a: Attachment): Promise<void> {
    const result = await storeClient(this.env.CLUSTER_STORE, a.cluster).nodeAssignment(a.node);
    if (!result.ok) {
      this.closeIfRevoked(ws, result.status);
      return;
    }
    const { digest, network, ...assignment } = result.value;
    if (digest === a.digest && network.digest === a.networkDigest) return;
    // Network first: a pod started from this assignment gets the cluster DNS address from it.
    if (network.digest !== a.networkDigest) {
      this.send(ws, {
        type: "network",
        resourceVersion: assignment.resourceVersion,
        clusterCIDR: network.clusterCIDR,
        services: network.services,
        endpointSlices: network.endpointSlices,
        nodes: network.nodes,
      });
    }
    if (digest !== a.digest) this.send(ws, { type: "assignment", ...assignment });
    ws.serializeAttachment({ ...a, digest, networkDigest: network.digest });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const tags = this.ctx.getTags(ws);
    if (tags.includes("ingress")) {
      if (typeof message !== "string") this.ingress.message(message);
      return;
    }
    if (this.execs.message(ws, message)) return;
    const streamTag = tags.find((t) => t.startsWith("stream:"));
    if (streamTag) {
      this.streams.message(streamTag.slice(7), message);
      return;
    }
    if (typeof message !== "string") return;
    const frame = parseFrame(agentFrame, message);
    if (!frame) {
      this.send(ws, { type: "error", message: "malformed frame" });
      return;
    }
    await this.handle(ws, frame);
  }

  private async handle(ws: WebSocket, frame: AgentFrame): Promise<void> {
    const a = ws.deserializeAttachment() as Attachment;
    if (frame.type === "hello") {
      if (frame.protocolVersion !== PROTOCOL_VERSION || frame.nodeName !== a.node) {
        this.send(ws, {
          type: "upgrade",
          protocolVersion: PROTOCOL_VERSION,
          message:
            frame.nodeName !== a.node
              ? `this credential belongs to node "${a.node}", not "${frame.nodeName}"`
              : `this control plane speaks node protocol ${PROTOCOL_VERSION} (agent ${SERVER_VERSION}); the agent speaks ${frame.protocolVersion}: upgrade k-agent to ${SERVER_VERSION}`,
        });
        ws.close(4002, "protocol version mismatch");
        return;
      }
      this.send(ws, {
        type: "welcome",
        protocolVersion: PROTOCOL_VERSION,
        serverVersion: SERVER_VERSION,
        keepaliveSeconds: this.keepaliveMs() / 1000,
      });
      const fresh = { ...a, helloed: true, digest: "", networkDigest: "" };
      ws.serializeAttachment(fresh);
      await this.sendAssignment(ws, fresh);
      await this.renewLease(ws, a);
      await this.armAlarm();
      return;
    }
    if (!a.helloed) {
      this.send(ws, { type: "error", message: "say hello first" });
      return;
    }
    if (frame.type === "tokenRequest" || frame.type === "servingCertRequest") {
      this.send(ws, await answerNodeRequest(storeClient(this.env.CLUSTER_STORE, a.cluster), a.node, frame));
      return;
    }
    const result = await storeClient(this.env.CLUSTER_STORE, a.cluster).nodeReport(a.node, frame);
    if (!result.ok && !this.closeIfRevoked(ws, result.status))
      this.send(ws, { type: "error", message: `${frame.type}: ${result.status.message ?? "refused"}` });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.ctx.getTags(ws).includes("ingress") && !this.ingressLink(ws)) this.ingress.linkClosed();
    if (this.execs.closed(ws, code)) return;
    const streamTag = this.ctx.getTags(ws).find((t) => t.startsWith("stream:"));
    if (streamTag) this.streams.close(streamTag.slice(7));
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  private async renewLease(ws: WebSocket, a: Attachment): Promise<void> {
    const duration = seconds(this.vars.NODE_GRACE_PERIOD_SECONDS, 40);
    const result = await storeClient(this.env.CLUSTER_STORE, a.cluster).renewNodeLease(a.node, duration);
    if (!result.ok) this.closeIfRevoked(ws, result.status);
  }

  private async armAlarm(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + this.keepaliveMs());
  }

  /**
   * Every keepalive interval: renew the node's Lease if its agent's last keepalive (answered by the
   * platform, read without waking us per ping) is recent. Never throws; re-arms while connected.
   */
  override async alarm(): Promise<void> {
    const ws = this.control();
    if (!ws) return;
    try {
      const a = ws.deserializeAttachment() as Attachment;
      const last = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if (a.helloed && Date.now() - last <= this.keepaliveMs() * 1.5) await this.renewLease(ws, a);
    } catch (err) {
      console.error("node lease renewal failed", err);
    }
    await this.armAlarm();
  }
}
