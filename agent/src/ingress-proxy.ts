// The agent's end of ingress streams: each OPEN from the control plane becomes one HTTP request (or
// one WebSocket) to a pod on this node, and what the pod answers goes back on the same stream id.
// Written against an abstract `send` so it runs without the link's socket (tests play the control
// plane). Memory per stream stays within one window each way: request bytes are credited back only
// once Node has flushed them to the pod, and the pod's response is no longer read while the
// control plane holds a full window of it. Every path ends the stream and drops it from the map.

import http from "node:http";
import WebSocket from "ws";
import {
  FrameType,
  HOP_BY_HOP,
  INGRESS_CHUNK,
  type IngressFrame,
  type OpenPayload,
  SendWindow,
} from "../../schemas/agent/ingress-link.ts";

export interface IngressProxyOptions {
  /** One frame to the control plane (the link drops it when down; its streams are closed then). */
  send: (frame: IngressFrame) => void;
  log: (line: string) => void;
}

interface Stream {
  handle(frame: IngressFrame): void;
  /** Ends the stream without a word to the control plane (it reset the stream, or the link is gone). */
  destroy(): void;
}

/** What a stream gets from the proxy. `done` drops it from the map; `send` is the link's. */
interface StreamContext {
  id: number;
  open: OpenPayload;
  send: (frame: IngressFrame) => void;
  done: () => void;
  agent: http.Agent;
}

export class IngressProxy {
  private readonly opts: IngressProxyOptions;
  private readonly streams = new Map<number, Stream>();
  /** Pod connections are reused between requests of this link; they go with it. */
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(opts: IngressProxyOptions) {
    this.opts = opts;
  }

  /** Streams in flight (for tests and diagnostics). */
  get size(): number {
    return this.streams.size;
  }

  handle(frame: IngressFrame): void {
    if (frame.type !== FrameType.OPEN) {
      this.streams.get(frame.stream)?.handle(frame);
      return;
    }
    const id = frame.stream;
    if (this.streams.has(id)) {
      this.opts.log(`ingress stream ${id} opened twice; ignoring the second OPEN`);
      return;
    }
    const ctx: StreamContext = {
      id,
      open: frame.open,
      send: this.opts.send,
      agent: this.agent,
      done: () => {
        if (this.streams.get(id) === stream) this.streams.delete(id);
      },
    };
    const stream = frame.open.upgrade ? new WebSocketStream(ctx) : new HttpStream(ctx);
    // In the map before it starts: a request that fails at once removes itself again.
    this.streams.set(id, stream);
    stream.start();
  }

  /** The link is gone: every stream ends (the control plane has failed them on its side). */
  close(): void {
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) s.destroy();
    this.agent.destroy();
  }
}

/** `ip:port` as people write it ([v6]:port). */
function address(open: OpenPayload): string {
  return open.ip.includes(":") ? `[${open.ip}]:${open.port}` : `${open.ip}:${open.port}`;
}

/** Header names that must not cross this hop: the fixed list plus any the Connection header names. */
function hopByHop(pairs: readonly (readonly [string, string])[]): Set<string> {
  const skip = new Set(HOP_BY_HOP);
  for (const [name, value] of pairs) {
    if (name.toLowerCase() !== "connection") continue;
    for (const token of value.split(",")) skip.add(token.trim().toLowerCase());
  }
  return skip;
}

/** The end-to-end headers, repeated names kept as arrays (Node writes them as repeated lines). */
function forwardHeaders(pairs: [string, string][]): Record<string, string | string[]> {
  const skip = hopByHop(pairs);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    if (skip.has(key) || key.startsWith("sec-websocket-")) continue;
    const had = out[key];
    out[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}

/** One value per name, as ws takes headers (a repeated Cookie joins with "; ", others with ", "). */
function singleValued(headers: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = Array.isArray(value) ? value.join(name === "cookie" ? "; " : ", ") : value;
  return out;
}

/** A response's raw header lines as pairs, hop-by-hop ones removed. */
function responseHeaders(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string]);
  const skip = hopByHop(pairs);
  return pairs.filter(([name]) => !skip.has(name.toLowerCase()));
}

/** Why a connection to the pod failed, in words, with Node's code for searching. */
function dialFailure(addr: string, err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case "ECONNREFUSED":
      return `the pod at ${addr} refused the connection (ECONNREFUSED)`;
    case "ECONNRESET":
      return `the pod at ${addr} closed the connection without answering (ECONNRESET)`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ETIMEDOUT":
      return `the pod at ${addr} is unreachable (${code})`;
    default:
      return `the pod at ${addr} failed: ${err.message}${code ? ` (${code})` : ""}`;
  }
}

/**
 * The first bytes of a response body as soon as there are any (null for an empty body), and
 * whether the whole message has already arrived (`complete`: nothing follows what was read).
 */
function firstChunk(res: http.IncomingMessage): Promise<{ chunk: Buffer | null; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const done = (chunk: Buffer | null) => {
      res.off("readable", onReadable);
      res.off("end", onEnd);
      res.off("error", reject);
      resolve({ chunk, complete: res.complete && res.readableLength === 0 });
    };
    const onReadable = () => {
      const chunk = res.read() as Buffer | null;
      if (chunk !== null) done(chunk);
    };
    const onEnd = () => done(null);
    res.on("readable", onReadable);
    res.once("end", onEnd);
    res.once("error", reject);
  });
}

function bytesOf(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** A plain HTTP request: OPEN -> request to the pod; its response -> HEAD, DATA*, END. */
class HttpStream implements Stream {
  private readonly ctx: StreamContext;
  private readonly window = new SendWindow();
  private req: http.ClientRequest | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private headSent = false;
  private finished = false;

  constructor(ctx: StreamContext) {
    this.ctx = ctx;
  }

  start(): void {
    const { open } = this.ctx;
    const addr = address(open);
    let req: http.ClientRequest;
    try {
      req = http.request({
        host: open.ip,
        port: open.port,
        method: open.method,
        path: open.path,
        headers: forwardHeaders(open.headers),
        agent: this.ctx.agent,
      });
    } catch (err) {
      // Node refuses some requests outright (a header value it cannot write, a path with spaces).
      this.fail(502, `the request for the pod at ${addr} cannot be sent: ${(err as Error).message}`);
      return;
    }
    this.req = req;
    this.timer = setTimeout(
      () => this.fail(504, `the pod at ${addr} did not answer within ${open.timeoutMs} ms`),
      open.timeoutMs,
    );
    req.on("response", (res) => {
      this.respond(res).catch((err: unknown) =>
        this.fail(502, `the pod at ${addr} broke off its response (${(err as Error).message})`),
      );
    });
    // No body to come: the request is complete now (saves the control plane an END per GET).
    if (open.end) req.end();
    req.on("error", (err) =>
      this.fail(
        502,
        this.headSent ? `the pod at ${addr} broke off its response (${err.message})` : dialFailure(addr, err),
      ),
    );
  }

  handle(frame: IngressFrame): void {
    switch (frame.type) {
      case FrameType.DATA: {
        const req = this.req;
        const n = frame.data.byteLength;
        if (!req || req.writableEnded || n === 0) return;
        // Credit only what Node has handed to the pod's socket, so a slow pod holds back the client.
        req.write(frame.data, (err) => {
          if (!err && !this.finished) this.ctx.send({ type: FrameType.CREDIT, stream: this.ctx.id, bytes: n });
        });
        return;
      }
      case FrameType.END:
        if (this.req && !this.req.writableEnded) this.req.end();
        return;
      case FrameType.CREDIT:
        this.window.grant(frame.bytes);
        return;
      case FrameType.RESET:
        this.destroy();
        return;
    }
  }

  destroy(): void {
    if (this.finish()) this.req?.destroy();
  }

  private async respond(res: http.IncomingMessage): Promise<void> {
    clearTimeout(this.timer);
    if (this.finished) {
      res.destroy();
      return;
    }
    this.headSent = true;
    // The head goes with the body's first bytes, and alone is the whole answer when the body is
    // small and already here: one message instead of HEAD, DATA, END.
    const first = await firstChunk(res);
    if (this.finished) {
      res.destroy();
      return;
    }
    const carried = first.chunk?.subarray(0, Math.min(INGRESS_CHUNK, this.window.bytes));
    const rest = first.chunk?.subarray(carried?.byteLength ?? 0);
    const end = first.complete && (rest === undefined || rest.byteLength === 0);
    if (carried) this.window.spend(carried.byteLength);
    this.ctx.send({
      type: FrameType.HEAD,
      stream: this.ctx.id,
      head: { status: res.statusCode ?? 502, headers: responseHeaders(res.rawHeaders), ...(end ? { end: true } : {}) },
      ...(carried && carried.byteLength > 0 ? { data: carried } : {}),
    });
    if (end) {
      this.finish();
      if (this.req && !this.req.writableEnded) this.req.destroy();
      res.resume();
      return;
    }
    await this.pump(res, rest);
  }

  /** The body in chunks of at most INGRESS_CHUNK, never beyond the credit the control plane gave. */
  private async pump(res: http.IncomingMessage, leftover: Uint8Array | undefined): Promise<void> {
    // Awaiting credit inside the loop stops reading: the pod's socket fills and the pod waits.
    const chunks = async function* (): AsyncGenerator<Uint8Array> {
      if (leftover && leftover.byteLength > 0) yield leftover;
      yield* res as AsyncIterable<Buffer>;
    };
    for await (const chunk of chunks()) {
      for (let at = 0; at < chunk.byteLength; ) {
        await this.window.waitForCredit();
        if (this.finished) return;
        const n = Math.min(INGRESS_CHUNK, this.window.bytes, chunk.byteLength - at);
        this.window.spend(n);
        this.ctx.send({ type: FrameType.DATA, stream: this.ctx.id, data: chunk.subarray(at, at + n) });
        at += n;
      }
    }
    if (this.finished) return;
    this.ctx.send({ type: FrameType.END, stream: this.ctx.id });
    this.finish();
    // The pod answered before the request body was through: that connection cannot be reused.
    if (this.req && !this.req.writableEnded) this.req.destroy();
  }

  private fail(status: number, message: string): void {
    if (this.finished) return;
    this.ctx.send({ type: FrameType.RESET, stream: this.ctx.id, reset: { status, message } });
    this.destroy();
  }

  /** Marks the stream over; false when it already was. */
  private finish(): boolean {
    if (this.finished) return false;
    this.finished = true;
    clearTimeout(this.timer);
    this.window.close();
    this.ctx.done();
    return true;
  }
}

/** A WebSocket: OPEN with upgrade -> a WebSocket client to the pod; HEAD 101, then MESSAGE both ways, CLOSE. */
class WebSocketStream implements Stream {
  private readonly ctx: StreamContext;
  private ws: WebSocket | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private opened = false;
  private finished = false;
  /** Messages the control plane sent before the pod accepted (kept in order until then). */
  private pending: { data: Uint8Array; text: boolean }[] = [];

  constructor(ctx: StreamContext) {
    this.ctx = ctx;
  }

  start(): void {
    const { open } = this.ctx;
    const addr = address(open);
    let ws: WebSocket;
    try {
      ws = new WebSocket(`ws://${addr}${open.path}`, open.protocols ?? [], {
        headers: singleValued(forwardHeaders(open.headers)),
        // The pod is on this node's bridge: compressing that hop only costs the node CPU.
        perMessageDeflate: false,
      });
    } catch (err) {
      // ws refuses bad URLs and bad subprotocol lists synchronously.
      this.fail(502, `the WebSocket for the pod at ${addr} cannot be opened: ${(err as Error).message}`);
      return;
    }
    this.ws = ws;
    this.timer = setTimeout(
      () => this.fail(504, `the pod at ${addr} did not answer the WebSocket upgrade within ${open.timeoutMs} ms`),
      open.timeoutMs,
    );
    ws.on("unexpected-response", (_req, res) => {
      res.resume();
      this.fail(502, `the pod at ${addr} refused the WebSocket upgrade (HTTP ${res.statusCode})`);
    });
    ws.on("error", (err) => {
      // After the upgrade an error is followed by 'close' (1006), which ends the stream.
      if (!this.opened) this.fail(502, dialFailure(addr, err));
    });
    ws.on("open", () => {
      clearTimeout(this.timer);
      if (this.finished) return;
      this.opened = true;
      this.ctx.send({
        type: FrameType.HEAD,
        stream: this.ctx.id,
        head: { status: 101, headers: [], protocol: ws.protocol || undefined },
      });
      for (const m of this.pending) ws.send(m.data, { binary: !m.text });
      this.pending = [];
    });
    ws.on("message", (data, isBinary) => {
      if (!this.finished)
        this.ctx.send({ type: FrameType.MESSAGE, stream: this.ctx.id, text: !isBinary, data: bytesOf(data) });
    });
    ws.on("close", (code, reason) => {
      if (!this.opened) {
        this.fail(502, `the pod at ${addr} closed the connection during the WebSocket upgrade`);
        return;
      }
      // Also the pod's answer to a CLOSE from the control plane: the closing handshake, relayed. 1005
      // (no code) and 1006 (no close frame) only describe what happened; the client must get a code
      // that can be sent, or the control plane's close() throws and leaves the client open.
      const sendable = code === 1005 ? 1000 : code === 1006 ? 1011 : code;
      if (!this.finished)
        this.ctx.send({
          type: FrameType.CLOSE,
          stream: this.ctx.id,
          close: { code: sendable, reason: reason.toString() },
        });
      this.finish();
    });
  }

  handle(frame: IngressFrame): void {
    switch (frame.type) {
      case FrameType.MESSAGE:
        if (!this.opened) this.pending.push({ data: frame.data, text: frame.text });
        else if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame.data, { binary: !frame.text });
        return;
      case FrameType.CLOSE:
        if (!this.opened) this.destroy();
        else this.closePod(frame.close.code, frame.close.reason);
        return;
      case FrameType.RESET:
        this.destroy();
        return;
    }
  }

  destroy(): void {
    if (this.finish()) this.ws?.terminate();
  }

  /** Closes the pod's socket as the client did; 1005/1006 (no code, abnormal) cannot be sent, so 1000. */
  private closePod(code: number, reason: string): void {
    const ws = this.ws;
    if (!ws) return;
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // A code or reason ws will not put on the wire (reserved code, reason over 123 bytes).
      ws.close(1000);
    }
  }

  private fail(status: number, message: string): void {
    if (this.finished) return;
    this.ctx.send({ type: FrameType.RESET, stream: this.ctx.id, reset: { status, message } });
    this.destroy();
  }

  private finish(): boolean {
    if (this.finished) return false;
    this.finished = true;
    clearTimeout(this.timer);
    this.pending = [];
    this.ctx.done();
    return true;
  }
}
