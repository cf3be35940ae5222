// kubectl exec, attach and port-forward sessions through a node's Durable Object: kubectl's
// WebSocket (tagged exec:<id>) is accepted at once, the agent is asked over the control socket to
// dial a data socket for the session (tagged stream:<id>), and from then on binary messages pass
// between the two unchanged (v5.channel.k8s.io frames, or port-forward's SPDY/3.1 byte stream);
// the control socket never carries them. Sockets are found by tag, so an established session
// survives the object's hibernation. Failures after the upgrade reach exec and attach as a
// metav1.Status on channel 3, which kubectl prints and exits non-zero with; port-forward has no
// such channel, so an offline node is refused before the upgrade and later failures close it.

import type { ServerFrame } from "../../../schemas/agent/protocol.ts";

const CHANNEL_STATUS = 3;
const OPEN_TIMEOUT_MS = 15_000;
/** stdin kubectl may send before the agent's socket is there. */
const MAX_EARLY_BYTES = 1 << 20;

type Kind = "exec" | "attach" | "portforward";
/** The tag of a kubectl port-forward socket: its failures are close reasons, it has no status channel. */
const PORT_FORWARD = "portforward";

export class ExecSessions {
  private readonly ctx: DurableObjectState;
  /** Frames from kubectl that arrived before the agent's data socket (in memory: a timer is pending). */
  private readonly early = new Map<string, ArrayBuffer[]>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(ctx: DurableObjectState) {
    this.ctx = ctx;
  }

  /**
   * Accepts kubectl's WebSocket for the session the Worker checked (its parameters in `url`) and
   * asks the agent to open it; `control` is the agent's control socket when the node is connected.
   */
  open(url: URL, control: WebSocket | undefined, send: (ws: WebSocket, frame: ServerFrame) => void): Response {
    const q = url.searchParams;
    const id = crypto.randomUUID();
    const kind: Kind = q.get("kind") === "attach" ? "attach" : q.get("kind") === "portforward" ? "portforward" : "exec";
    const node = q.get("node") ?? "";
    const offline = `node "${node}" is not connected: its agent is offline or unreachable`;
    // port-forward has no status channel: an offline node is said before the upgrade, as a Status.
    if (!control && kind === "portforward")
      return Response.json(
        {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: offline,
          reason: "ServiceUnavailable",
          code: 503,
        },
        { status: 503 },
      );
    const pair = new WebSocketPair();
    const client = pair[1];
    this.ctx.acceptWebSocket(client, kind === "portforward" ? [`exec:${id}`, PORT_FORWARD] : [`exec:${id}`]);
    const response = new Response(null, {
      status: 101,
      webSocket: pair[0],
      headers: { "sec-websocket-protocol": q.get("protocol") ?? "v5.channel.k8s.io" },
    });
    if (!control) {
      this.fail(client, 503, "ServiceUnavailable", offline);
      return response;
    }
    this.early.set(id, []);
    this.timers.set(
      id,
      setTimeout(() => {
        this.forget(id);
        this.fail(client, 504, "Timeout", `node "${node}" did not open the ${kind} stream in time`);
      }, OPEN_TIMEOUT_MS),
    );
    const target = { id, namespace: q.get("namespace") ?? "", pod: q.get("pod") ?? "", uid: q.get("uid") ?? "" };
    if (kind === "portforward") send(control, { type: "openStream", kind, ...target });
    else
      send(control, {
        type: "openStream",
        kind,
        ...target,
        container: q.get("container") ?? "",
        command: q.getAll("command"),
        stdin: q.get("stdin") === "true",
        stdout: q.get("stdout") === "true",
        stderr: q.get("stderr") === "true",
        tty: q.get("tty") === "true",
      });
    return response;
  }

  /** Whether stream `id` is an exec session still waiting for its agent socket. */
  expects(id: string): boolean {
    return this.early.has(id) && this.ctx.getWebSockets(`exec:${id}`).length > 0;
  }

  /** Handles a message if `ws` belongs to an exec session; false when it does not. */
  message(ws: WebSocket, message: string | ArrayBuffer): boolean {
    const session = this.sessionOf(ws);
    if (!session) return false;
    const { id, side } = session;
    if (side === "client") {
      if (typeof message === "string") return true;
      // Until the agent says the session is open, kubectl's frames wait here, in order.
      const early = this.early.get(id);
      if (early) {
        early.push(message);
        if (early.reduce((n, b) => n + b.byteLength, 0) > MAX_EARLY_BYTES) {
          this.forget(id);
          this.fail(ws, 500, "InternalError", "too much input before the node opened the stream");
        }
        return true;
      }
      const agent = this.ctx.getWebSockets(`stream:${id}`)[0];
      if (agent) forward(agent, message);
      return true;
    }
    const client = this.ctx.getWebSockets(`exec:${id}`)[0];
    if (!client) {
      ws.close(1000, "the client went away");
      return true;
    }
    if (typeof message !== "string") {
      forward(client, message);
      return true;
    }
    // The agent's first (text) message: {"ok":true}, or why it could not open the session.
    const opened = parse(message);
    if (opened?.status) {
      const s = opened.status;
      this.fail(client, s.code ?? 500, s.reason ?? "InternalError", s.message ?? "the node could not open the stream");
      ws.close(1000);
    } else {
      for (const frame of this.early.get(id) ?? []) forward(ws, frame);
    }
    this.forget(id);
    return true;
  }

  /** Handles a close if `ws` belongs to an exec session (closing its other end); false when it does not. */
  closed(ws: WebSocket, code: number): boolean {
    const session = this.sessionOf(ws);
    if (!session) return false;
    const { id, side } = session;
    if (side === "client") {
      this.forget(id);
      for (const agent of this.ctx.getWebSockets(`stream:${id}`)) agent.close(1000, "the client went away");
    } else {
      for (const client of this.ctx.getWebSockets(`exec:${id}`)) {
        if (code === 1000 || code === 1005) client.close(1000, "");
        else this.fail(client, 500, "InternalError", `the node's stream ended abnormally (${code})`);
      }
    }
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "");
    } catch {
      // already closed
    }
    return true;
  }

  private sessionOf(ws: WebSocket): { id: string; side: "client" | "agent" } | undefined {
    for (const tag of this.ctx.getTags(ws)) {
      if (tag.startsWith("exec:")) return { id: tag.slice(5), side: "client" };
      if (tag.startsWith("stream:") && this.ctx.getWebSockets(`exec:${tag.slice(7)}`).length > 0)
        return { id: tag.slice(7), side: "agent" };
    }
    return undefined;
  }

  /**
   * Ends kubectl's session with a Failure Status on the status channel, as kube-apiserver would; a
   * port-forward session (SPDY inside, no status channel) is closed with the message as the reason.
   */
  private fail(client: WebSocket, code: number, reason: string, message: string): void {
    if (this.ctx.getTags(client).includes(PORT_FORWARD)) {
      try {
        client.close(1011, truncate(message, 123));
      } catch {
        // already closed
      }
      return;
    }
    failWithStatus(client, code, reason, message);
  }

  private forget(id: string): void {
    const timer = this.timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(id);
    this.early.delete(id);
  }
}

function forward(to: WebSocket, frame: ArrayBuffer): void {
  try {
    to.send(frame);
  } catch {
    // That side is closing; its close event ends the session.
  }
}

/** Sends a Failure Status on the status channel (v5.channel.k8s.io) and closes. */
function failWithStatus(client: WebSocket, code: number, reason: string, message: string): void {
  const status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
  const body = new TextEncoder().encode(JSON.stringify(status));
  const frame = new Uint8Array(body.length + 1);
  frame[0] = CHANNEL_STATUS;
  frame.set(body, 1);
  try {
    client.send(frame);
    client.close(1000, "");
  } catch {
    // already closed
  }
}

/** At most `bytes` UTF-8 bytes of `text` (a WebSocket close reason is limited to 123). */
function truncate(text: string, bytes: number): string {
  let out = text;
  while (new TextEncoder().encode(out).length > bytes) out = out.slice(0, -1);
  return out;
}

function parse(text: string): { status?: { code?: number; reason?: string; message?: string } } | undefined {
  try {
    return JSON.parse(text) as { status?: { code?: number; reason?: string; message?: string } };
  } catch {
    return undefined;
  }
}
