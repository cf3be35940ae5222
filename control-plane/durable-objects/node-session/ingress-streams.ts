// The node object's side of the ingress link (schemas/agent/ingress-link.ts): each Ingress request
// routed to a pod on this node becomes one stream on the agent's ingress socket. The request body
// is sent under the agent's credit; the response body is handed to the client as it arrives and
// credited back only once the client has read it, so neither side buffers more than a window per
// stream however slow the other is. WebSocket requests become message streams relayed to a
// WebSocket pair the client gets. Streams live in memory: a pending request or an open client
// WebSocket keeps the object awake, and a lost link fails them all (502).

import {
  decodeFrame,
  encodeFrame,
  FrameType,
  type HeadPayload,
  HOP_BY_HOP,
  INGRESS_CHUNK,
  type IngressFrame,
  SendWindow,
} from "../../../schemas/agent/ingress-link.ts";
import { edgeErrorResponse } from "../../ingress/edge-response.ts";

/** Carries the IngressTarget (JSON) from the Worker to the node object on an Ingress request. */
export const INGRESS_TARGET_HEADER = "x-kflare-ingress-target";
/**
 * The node object's path for Ingress requests. Only the Worker's Ingress handler builds it (the
 * node endpoints and the exec, logs and port-forward handlers build fixed other paths), so a
 * client's own copy of the header can never turn an API request into a proxied one.
 */
export const INGRESS_REQUEST_PATH = "/ingress-request";

export interface IngressTarget {
  node: string;
  ip: string;
  port: number;
  /** The request's path and query, as the client sent them. */
  path: string;
  /** How long the pod has to answer with its response head. */
  timeoutMs: number;
  /** Request bodies beyond this are refused with 413. */
  maxBodyBytes: number;
}

type Outcome = { head: HeadPayload; data?: Uint8Array } | { status: number; message: string };

interface Stream {
  /** Credit for the request body this side sends. */
  window: SendWindow;
  settle: (o: Outcome) => void;
  headed: boolean;
  body?: ReadableStreamDefaultController<Uint8Array>;
  /** Response bytes handed to the client and not yet credited back. */
  unacked: number;
  socket?: WebSocket;
}

/** Extra time the object waits beyond the agent's own timeout before calling the link dead. */
const LINK_GRACE_MS = 5_000;
const linkGrace = (timeoutMs: number) => Math.min(LINK_GRACE_MS, timeoutMs);
const NULL_BODY = new Set([101, 204, 205, 304]);

export class IngressStreams {
  private readonly streams = new Map<number, Stream>();
  private next = 0;
  private readonly link: () => WebSocket | undefined;

  constructor(link: () => WebSocket | undefined) {
    this.link = link;
  }

  get open(): number {
    return this.streams.size;
  }

  async request(req: Request, target: IngressTarget): Promise<Response> {
    const link = this.link();
    if (!link)
      return edgeErrorResponse(503, `node ${target.node} is not connected; its pods cannot be reached right now`);
    this.next = (this.next + 1) >>> 0 || 1;
    const id = this.next;
    const upgrade = req.headers.get("upgrade")?.toLowerCase() === "websocket";
    let settle!: (o: Outcome) => void;
    const outcome = new Promise<Outcome>((resolve) => {
      settle = resolve;
    });
    const stream: Stream = { window: new SendWindow(), settle, headed: false, unacked: 0 };
    this.streams.set(id, stream);
    const timer = setTimeout(
      () => this.fail(id, 504, `the pod at ${target.ip}:${target.port} did not answer in time`),
      target.timeoutMs + linkGrace(target.timeoutMs),
    );
    const headers: [string, string][] = [];
    req.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name) && name !== INGRESS_TARGET_HEADER) headers.push([name, value]);
    });
    const protocols = (req.headers.get("sec-websocket-protocol") ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    this.send(link, {
      type: FrameType.OPEN,
      stream: id,
      open: {
        ip: target.ip,
        port: target.port,
        method: req.method,
        path: target.path,
        headers,
        timeoutMs: target.timeoutMs,
        ...(upgrade ? { upgrade: true, protocols } : {}),
        ...(!upgrade && req.body === null ? { end: true } : {}),
      },
    });
    if (!upgrade && req.body !== null) {
      this.sendBody(id, stream, req.body, target.maxBodyBytes).catch(() =>
        this.fail(id, 502, "the request body could not be read"),
      );
    }
    const result = await outcome;
    clearTimeout(timer);
    if ("status" in result) return edgeErrorResponse(result.status, result.message);
    const { head, data } = result;
    if (upgrade) return this.acceptWebSocket(id, stream, head);
    const responseHeaders = new Headers();
    for (const [name, value] of head.headers)
      if (!HOP_BY_HOP.has(name.toLowerCase())) responseHeaders.append(name, value);
    if (req.method === "HEAD" || NULL_BODY.has(head.status)) {
      // Nothing to stream; unless the HEAD said so, the agent still ends the stream, which forgets it.
      if (head.end) this.forget(id);
      return new Response(null, { status: head.status, headers: responseHeaders });
    }
    if (head.end) {
      // The whole body came with the HEAD (most small responses): no stream to feed. Each stream
      // and controller is one more object for workerd's garbage collector, whose pauses are the
      // Ingress path's latency tail.
      this.forget(id);
      return new Response(data ?? null, { status: head.status, headers: responseHeaders });
    }
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          stream.body = controller;
          // The first bytes came with the HEAD.
          if (data) {
            stream.unacked += data.byteLength;
            controller.enqueue(data);
          }
        },
        // Called only when the client waits for bytes and none are queued: all handed on, credit them.
        pull: () => {
          if (stream.unacked > 0 && this.streams.has(id)) {
            this.sendNow({ type: FrameType.CREDIT, stream: id, bytes: stream.unacked });
            stream.unacked = 0;
          }
        },
        cancel: () => this.reset(id, 499, "the client went away"),
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: head.status, headers: responseHeaders });
  }

  /** A binary message from the agent's ingress socket. */
  message(data: ArrayBuffer): void {
    const f = decodeFrame(new Uint8Array(data));
    if (!f) return;
    const s = this.streams.get(f.stream);
    if (!s) return;
    switch (f.type) {
      case FrameType.HEAD:
        s.headed = true;
        s.settle(f.data ? { head: f.head, data: f.data } : { head: f.head });
        return;
      case FrameType.DATA:
        s.unacked += f.data.byteLength;
        s.body?.enqueue(f.data);
        return;
      case FrameType.END:
        s.body?.close();
        this.forget(f.stream);
        return;
      case FrameType.RESET:
        this.fail(f.stream, f.reset.status, f.reset.message);
        return;
      case FrameType.CREDIT:
        s.window.grant(f.bytes);
        return;
      case FrameType.MESSAGE:
        try {
          s.socket?.send(f.text ? new TextDecoder().decode(f.data) : f.data);
        } catch {
          // The client's socket is closing; its close event ends the stream.
        }
        return;
      case FrameType.CLOSE:
        try {
          s.socket?.close(f.close.code, f.close.reason);
        } catch {
          // already closed
        }
        this.forget(f.stream);
        return;
      default:
        return;
    }
  }

  /** The agent's ingress socket went away: every stream on it fails. */
  linkClosed(): void {
    for (const id of [...this.streams.keys()]) this.fail(id, 502, "the node's ingress link closed");
  }

  private async sendBody(
    id: number,
    stream: Stream,
    body: ReadableStream<Uint8Array> | null,
    maxBytes: number,
  ): Promise<void> {
    let total = 0;
    if (body) {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel();
          this.reset(id, 413, tooLargeMessage(maxBytes));
          return;
        }
        for (let off = 0; off < value.byteLength; ) {
          await stream.window.waitForCredit();
          if (!this.streams.has(id)) {
            await reader.cancel();
            return;
          }
          const n = Math.min(INGRESS_CHUNK, stream.window.bytes, value.byteLength - off);
          stream.window.spend(n);
          this.sendNow({ type: FrameType.DATA, stream: id, data: value.subarray(off, off + n) });
          off += n;
        }
      }
    }
    if (this.streams.has(id)) this.sendNow({ type: FrameType.END, stream: id });
  }

  private acceptWebSocket(id: number, stream: Stream, head: HeadPayload): Response {
    if (head.status !== 101) {
      this.reset(id, 502, "the pod did not accept the WebSocket");
      return edgeErrorResponse(502, `the pod answered the WebSocket upgrade with ${head.status}`);
    }
    const pair = new WebSocketPair();
    const socket = pair[1];
    socket.binaryType = "arraybuffer";
    socket.accept();
    stream.socket = socket;
    socket.addEventListener("message", (ev) => {
      const text = typeof ev.data === "string";
      const data = text ? new TextEncoder().encode(ev.data as string) : new Uint8Array(ev.data as ArrayBuffer);
      this.sendNow({ type: FrameType.MESSAGE, stream: id, text, data });
    });
    socket.addEventListener("close", (ev) => {
      if (!this.streams.has(id)) return;
      this.sendNow({ type: FrameType.CLOSE, stream: id, close: { code: ev.code || 1000, reason: ev.reason } });
      this.forget(id);
    });
    socket.addEventListener("error", () => {
      if (!this.streams.has(id)) return;
      this.sendNow({ type: FrameType.CLOSE, stream: id, close: { code: 1011, reason: "client socket error" } });
      this.forget(id);
    });
    const headers = new Headers();
    if (head.protocol) headers.set("sec-websocket-protocol", head.protocol);
    return new Response(null, { status: 101, webSocket: pair[0], headers });
  }

  /** Ends a stream from this side: tells the agent, then fails it locally. */
  private reset(id: number, status: number, message: string): void {
    if (!this.streams.has(id)) return;
    this.sendNow({ type: FrameType.RESET, stream: id, reset: { status, message } });
    this.fail(id, status, message);
  }

  /** Fails a stream: an error response when nothing was sent yet, else a cut-off body or socket. */
  private fail(id: number, status: number, message: string): void {
    const s = this.streams.get(id);
    if (!s) return;
    this.forget(id);
    if (!s.headed) {
      s.settle({ status, message });
      return;
    }
    try {
      s.body?.error(new Error(message));
    } catch {
      // already closed or errored
    }
    try {
      s.socket?.close(1011, message.slice(0, 120));
    } catch {
      // already closed
    }
  }

  private forget(id: number): void {
    const s = this.streams.get(id);
    if (!s) return;
    this.streams.delete(id);
    s.window.close();
  }

  private sendNow(f: IngressFrame): void {
    const link = this.link();
    if (link) this.send(link, f);
    else if (f.type !== FrameType.RESET && f.type !== FrameType.CLOSE) this.linkClosed();
  }

  private send(link: WebSocket, f: IngressFrame): void {
    try {
      link.send(encodeFrame(f));
    } catch {
      // The link is closing; its close event fails the streams.
    }
  }
}

export function tooLargeMessage(maxBytes: number): string {
  return `the request body is larger than ${maxBytes} bytes, this edge's limit`;
}
