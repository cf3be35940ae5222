// The ingress link: the agent's second long-lived WebSocket to its node's Durable Object, over which
// the control plane sends HTTP requests and WebSocket upgrades for this node's pods (frames in
// schemas/agent/ingress-link.ts, proxied by IngressProxy). Kept apart from the control socket so
// request bodies never delay control frames. Each connection has its own IngressProxy: when the
// socket closes, every stream on it ends (the control plane fails them on its side), and the link
// dials again with full-jitter backoff until stop().

import type WebSocket from "ws";
import { decodeFrame, encodeFrame } from "../../schemas/agent/ingress-link.ts";
import { ReconnectBackoff } from "./backoff.ts";
import { IngressProxy } from "./ingress-proxy.ts";

export interface IngressLinkOptions {
  /** Dials the link's socket (the session's URL, credential and CA: see Session). */
  dial: () => WebSocket;
  log: (line: string) => void;
  /** Milliseconds between WebSocket pings (default 30 s). */
  pingMs?: number;
}

/** A connection that lasted this long was healthy: the next failure starts the backoff over. */
const STABLE_MS = 10_000;

export class IngressLink {
  private readonly opts: IngressLinkOptions;
  private readonly backoff = new ReconnectBackoff();
  private ws: WebSocket | undefined;
  private proxy: IngressProxy | undefined;
  private started = false;
  private stopped = false;
  /** One "cannot connect" line per run of failures, not one per attempt. */
  private failing = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: IngressLinkOptions) {
    this.opts = opts;
  }

  /** Dials the link; it then keeps itself up. Calling it again does nothing. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    this.proxy?.close();
    this.ws?.close(1000, "agent stopping");
  }

  private connect(): void {
    if (this.stopped) return;
    const { log } = this.opts;
    const ws = this.opts.dial();
    const proxy = new IngressProxy({
      send: (f) => {
        if (ws.readyState === ws.OPEN) ws.send(encodeFrame(f));
      },
      log,
    });
    this.ws = ws;
    this.proxy = proxy;
    let openedAt = 0;
    let malformed = false;
    ws.on("open", () => {
      openedAt = Date.now();
      if (this.failing) log("ingress link to the control plane is up again");
      this.failing = false;
      this.startPings(ws);
    });
    ws.on("message", (data, isBinary) => {
      if (!isBinary) return;
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : data;
      const frame = decodeFrame(bytes);
      if (frame) {
        proxy.handle(frame);
        return;
      }
      if (!malformed) log("ingress link: ignoring a malformed frame (further ones on this connection are not logged)");
      malformed = true;
    });
    ws.on("unexpected-response", (_req, res) => {
      res.resume();
      this.failed(`the control plane refused the ingress link: HTTP ${res.statusCode}`);
      // With this listener ws leaves the handshake open; end it so 'close' (and the retry) follow.
      ws.terminate();
    });
    ws.on("error", (err) => this.failed(`ingress link error: ${err.message}`));
    ws.on("close", (code, reason) => {
      proxy.close();
      if (this.ws !== ws) return;
      clearInterval(this.pingTimer);
      this.ws = undefined;
      this.proxy = undefined;
      if (this.stopped) return;
      if (openedAt) {
        if (Date.now() - openedAt >= STABLE_MS) this.backoff.reset();
        log(`ingress link closed (${code}${reason.length ? ` ${reason.toString()}` : ""}); reconnecting`);
      }
      this.reconnectTimer = setTimeout(() => this.connect(), this.backoff.next());
    });
  }

  private failed(line: string): void {
    // Closing a socket still connecting reports an error too; at shutdown that is noise.
    if (!this.failing && !this.stopped) this.opts.log(line);
    this.failing = true;
  }

  /**
   * Pings keep NAT mappings alive. Silence only counts once the server has answered a ping on this
   * socket: a server that never answers pings must not have its link torn down every few minutes.
   */
  private startPings(ws: WebSocket): void {
    const every = this.opts.pingMs ?? 30_000;
    let lastPong = 0;
    ws.on("pong", () => {
      lastPong = Date.now();
    });
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (ws.readyState !== ws.OPEN) return;
      if (lastPong && Date.now() - lastPong > every * 3) {
        this.opts.log("ingress link: no answer to pings from the control plane; reconnecting");
        ws.terminate();
        return;
      }
      ws.ping();
    }, every);
  }
}
