// The `kubernetes` Service as pods on this node see it. In-cluster clients dial the Service's
// ClusterIP:443 (DNAT'd to this listener), expect a certificate for kubernetes.default.svc signed by
// the CA in their service-account volume, and send their own service-account token. This proxy
// terminates that TLS and relays each request to the control plane with the same method, path
// (under the control plane's path prefix), headers and body; it adds no credentials of its own, so
// the control plane authenticates and authorizes the pod exactly as if it had dialled directly.
// Bodies are never buffered: a watch is an endless chunked response whose events must reach the pod
// as they come, and exec/port-forward are upgraded connections piped byte for byte.

import { once } from "node:events";
import http from "node:http";
import https from "node:https";
import { type AddressInfo, isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createSecureContext, type TLSSocket } from "node:tls";

export interface ApiProxyOptions {
  /** Address and port to listen on (the node's pod-network gateway address in production; 127.0.0.1 and port 0 in tests). */
  host: string;
  port: number;
  /** PEM serving certificate (chain) and key presented to pods. Replaceable at runtime via setCertificate. */
  cert: string;
  key: string;
  /** The control plane's base URL including any path prefix, e.g. "https://10.0.0.5:8787" or "https://cp.example/clusters/home". */
  server: string;
  /** PEM CA to verify the control plane with; undefined = system trust store. */
  caPem?: string;
  /**
   * How long a new connection to the control plane may take (TCP and TLS handshake) before the pod
   * gets a 503. Without it a black-holed address holds each request for the kernel's ~2 minutes of
   * SYN retries. Default 10 s.
   */
  connectTimeoutMs?: number;
  /** Who may connect (the remote address); others are dropped before TLS. Default: anyone. */
  allowed?: (address: string) => boolean;
  log?: (line: string) => void;
}

/** Where requests go, parsed once from ApiProxyOptions.server. */
interface Upstream {
  /** Host name or IP address for the socket (IPv6 without brackets). */
  host: string;
  port: number;
  /** The Host header: host[:port] as the URL spells it. */
  authority: string;
  /** The URL's path without trailing slashes ("" for none), put in front of every request path. */
  prefix: string;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Headers that describe one hop only (RFC 9110 section 7.6.1), plus Expect: Node's server already
 * answered the pod's `Expect: 100-continue` itself, and repeating it upstream would have the control
 * plane wait for a continue the relay never waits for.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
]);

/** Methods that may be sent a second time when a pooled connection turns out to be dead. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiProxy {
  private readonly opts: ApiProxyOptions;
  private readonly upstream: Upstream;
  private readonly agent: https.Agent;
  private readonly server: https.Server;
  private readonly log: (line: string) => void;
  private readonly connectTimeoutMs: number;
  /** Upstream requests not yet complete; close() ends them. */
  private readonly inflight = new Set<http.ClientRequest>();
  /** Pod sockets handed over by an upgrade (the HTTP server no longer closes those); close() ends them. */
  private readonly upgraded = new Set<Duplex>();
  /** Whether the last attempt to reach the control plane failed: the log says so once per outage, not per request. */
  private down = false;

  constructor(opts: ApiProxyOptions) {
    this.opts = opts;
    this.upstream = parseServer(opts.server);
    this.log = opts.log ?? (() => {});
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.agent = new https.Agent({
      // Pods' requests share a few warm TLS connections instead of a handshake each.
      keepAlive: true,
      ca: opts.caPem,
      // SNI only for a DNS name; "" tells Node to send none (an IP address is not a valid SNI name)
      // while it still checks the certificate against the address.
      servername: isIP(this.upstream.host) ? "" : this.upstream.host,
    });
    this.server = https.createServer(
      {
        cert: opts.cert,
        key: opts.key,
        // Node's 5-minute default limit on receiving a whole request would cut long streamed
        // uploads; the header timeout still guards against connections that never send a request.
        requestTimeout: 0,
        noDelay: true,
      },
      (req, res) => this.onRequest(req, res),
    );
    this.server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    const allowed = opts.allowed;
    // The node's address is on its LAN too: only pods (and the node) may use it as a relay.
    if (allowed)
      this.server.on("connection", (socket: Socket) => {
        if (!allowed(socket.remoteAddress ?? "")) socket.destroy();
      });
  }

  /** Upstream requests and upgraded connections in flight (for tests and diagnostics). */
  get active(): number {
    return this.inflight.size + this.upgraded.size;
  }

  async start(): Promise<{ port: number }> {
    const { host, port } = this.opts;
    this.server.listen(port, host);
    try {
      await once(this.server, "listening");
    } catch (err) {
      throw new Error(`the API proxy cannot listen on ${host}:${port}: ${(err as Error).message}`);
    }
    this.server.on("error", (err) => this.log(`api proxy: server error: ${err.message}`));
    return { port: (this.server.address() as AddressInfo).port };
  }

  /**
   * Serves `cert`/`key` to connections made from now on; open connections keep the pair they
   * shook hands with. Throws, and keeps serving the current pair, when the PEM does not parse or the
   * key does not belong to the certificate.
   */
  setCertificate(cert: string, key: string): void {
    // Checked first: tls.Server.setSecureContext records the new PEM on the server before it finds
    // out the pair is unusable.
    createSecureContext({ cert, key });
    this.server.setSecureContext({ cert, key });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.upgraded) socket.destroy();
    for (const req of this.inflight) req.destroy();
    this.server.closeAllConnections();
    this.agent.destroy();
    await closed;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = upstreamPath(this.upstream.prefix, req.url);
    if (path === undefined) {
      sendStatus(res, 400, "BadRequest", "the API proxy accepts only origin-form paths without . or .. segments");
      return;
    }
    this.forward(req, res, path, true);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, path: string, mayRetry: boolean): void {
    const hasBody = requestHasBody(req);
    let up: http.ClientRequest;
    try {
      up = this.request(req, path, false);
    } catch (err) {
      // Node refuses some requests outright (a method or header value it cannot write).
      sendStatus(res, 400, "BadRequest", `the request cannot be relayed: ${(err as Error).message}`);
      return;
    }
    let answered = false;
    let podGone = false;
    up.on("response", (upRes) => {
      answered = true;
      this.reachable();
      if (upRes.statusMessage) res.statusMessage = upRes.statusMessage;
      res.writeHead(upRes.statusCode ?? 502, responseHeaders(upRes.rawHeaders));
      // A streamed answer (a watch, logs?follow=true) may send nothing for minutes, and clients
      // wait for the status line before they read events: send the head now. A sized answer
      // follows at once, so its head goes out with its body.
      if (upRes.headers["content-length"] === undefined) res.flushHeaders();
      upRes.pipe(res);
      // An answer broken off upstream must look broken to the pod (no final chunk), not ended.
      upRes.on("error", () => {});
      upRes.once("close", () => {
        if (!upRes.complete) res.destroy();
      });
    });
    up.on("error", (err) => {
      // Also the error our own destroy() raises once the pod is gone: no answer, no outage logged.
      if (podGone || res.writableFinished) return;
      if (answered) {
        res.destroy();
        return;
      }
      // A pooled connection the control plane closed while idle fails on first use; the request
      // never reached it, and a bodiless safe request can be sent again on a fresh connection.
      if (
        mayRetry &&
        !hasBody &&
        up.reusedSocket &&
        errorCode(err) === "ECONNRESET" &&
        SAFE_METHODS.has(req.method ?? "")
      ) {
        this.forward(req, res, path, false);
        return;
      }
      this.unreachable(err);
      sendStatus(res, 503, "ServiceUnavailable", `the control plane is unreachable from this node: ${explain(err)}`);
    });
    // The pod went away (closed the connection, or gave up on a watch): the upstream request goes too.
    res.once("close", () => {
      if (res.writableFinished) return;
      podGone = true;
      up.destroy();
    });
    if (hasBody) req.pipe(up);
    else up.end();
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.upgraded.add(socket);
    socket.once("close", () => this.upgraded.delete(socket));
    // Resets from the pod are routine; 'close' follows and tidies up.
    socket.on("error", () => {});
    const path = upstreamPath(this.upstream.prefix, req.url);
    if (path === undefined) {
      writeRawStatus(
        socket,
        400,
        "BadRequest",
        "the API proxy accepts only origin-form paths without . or .. segments",
      );
      return;
    }
    let up: http.ClientRequest;
    try {
      up = this.request(req, path, true);
    } catch (err) {
      writeRawStatus(socket, 400, "BadRequest", `the request cannot be relayed: ${(err as Error).message}`);
      return;
    }
    let answered = false;
    const abort = () => up.destroy();
    socket.once("close", abort);
    up.once("upgrade", (upRes: http.IncomingMessage, upSocket: Socket, upHead: Buffer) => {
      answered = true;
      socket.off("close", abort);
      this.reachable();
      if (socket.destroyed) {
        upSocket.destroy();
        return;
      }
      // The control plane's 101 as it sent it: Sec-WebSocket-Accept answers the pod's own key and
      // Sec-WebSocket-Protocol names the channel protocol it picked, so both pass through as they are.
      socket.write(rawHead(upRes, pairsOf(upRes.rawHeaders)));
      if (upHead.length > 0) socket.write(upHead);
      if (head.length > 0) upSocket.write(head);
      this.tunnel(socket, upSocket);
    });
    up.once("response", (upRes) => {
      // The control plane declined the upgrade (401, 403, 404, a bad request...): the pod gets that
      // answer as a plain response. The socket was set aside for a tunnel, so it closes afterwards
      // and the body's end is the connection's end.
      answered = true;
      this.reachable();
      const headers = responseHeaderPairs(upRes.rawHeaders);
      headers.push(["Connection", "close"]);
      socket.write(rawHead(upRes, headers));
      upRes.pipe(socket);
      upRes.on("error", () => {});
      upRes.once("close", () => {
        if (!upRes.complete) socket.destroy();
      });
    });
    up.on("error", (err) => {
      if (socket.destroyed) return;
      if (answered) {
        socket.destroy();
        return;
      }
      this.unreachable(err);
      writeRawStatus(
        socket,
        503,
        "ServiceUnavailable",
        `the control plane is unreachable from this node: ${explain(err)}`,
      );
    });
    up.end();
  }

  /** Both sockets piped into each other until either closes; then both go. */
  private tunnel(pod: Duplex, cp: Socket): void {
    // exec sessions are keystrokes and terminal echoes: no Nagle delay on either hop.
    cp.setNoDelay(true);
    cp.on("error", () => {});
    const end = () => {
      pod.destroy();
      cp.destroy();
    };
    pod.once("close", end);
    cp.once("close", end);
    pod.pipe(cp);
    cp.pipe(pod);
  }

  /** The upstream request for a pod's request: same method, prefixed path, end-to-end headers. */
  private request(req: http.IncomingMessage, path: string, upgrade: boolean): http.ClientRequest {
    const up = https.request({
      host: this.upstream.host,
      port: this.upstream.port,
      method: req.method,
      path,
      headers: requestHeaders(req, this.upstream.authority, upgrade),
      agent: this.agent,
    });
    this.inflight.add(up);
    up.once("close", () => this.inflight.delete(up));
    // An upgraded request never emits 'close' on its own once its socket belongs to the tunnel.
    up.once("upgrade", () => this.inflight.delete(up));
    up.once("socket", (socket) => {
      if (up.reusedSocket) return;
      const timer = setTimeout(() => {
        // The handshake may have finished in the same turn as the timer fired.
        if ((socket as TLSSocket).authorized) return;
        const err: NodeJS.ErrnoException = new Error(`no TLS connection within ${this.connectTimeoutMs / 1000} s`);
        err.code = "ETIMEDOUT";
        up.destroy(err);
      }, this.connectTimeoutMs);
      socket.once("secureConnect", () => clearTimeout(timer));
      socket.once("close", () => clearTimeout(timer));
    });
    return up;
  }

  private unreachable(err: Error): void {
    if (this.down) return;
    this.down = true;
    this.log(`api proxy: the control plane at ${this.upstream.authority} is unreachable: ${explain(err)}`);
  }

  private reachable(): void {
    if (!this.down) return;
    this.down = false;
    this.log(`api proxy: the control plane at ${this.upstream.authority} answers again`);
  }
}

function parseServer(server: string): Upstream {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new Error(`the API proxy's control plane address "${server}" is not a URL`);
  }
  // Pods' service-account tokens travel in these requests: never in the clear.
  if (url.protocol !== "https:")
    throw new Error(`the API proxy's control plane address must be https://, not ${server}`);
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "")
    throw new Error(`the API proxy's control plane address takes no query, fragment or user info: ${server}`);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port: Number(url.port || 443), authority: url.host, prefix: url.pathname.replace(/\/+$/, "") };
}

/**
 * The upstream path for a pod's request target, or undefined when it must not be relayed: anything
 * but origin form ("/path?query"), and dot segments, which the control plane's URL parsing would
 * resolve, climbing out of the prefix into a path another cluster answers. WHATWG URL parsing treats
 * "\" as "/" and "%2e" as "." in such segments, so those count too. Kubernetes forbids "." and ".."
 * as object names, so no real API path has them.
 */
export function upstreamPath(prefix: string, target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith("/")) return undefined;
  const q = target.indexOf("?");
  const path = q === -1 ? target : target.slice(0, q);
  for (const segment of path.split(/[/\\]/)) {
    const s = segment.replace(/%2e/gi, ".");
    if (s === "." || s === "..") return undefined;
  }
  return prefix + target;
}

function requestHasBody(req: http.IncomingMessage): boolean {
  const length = req.headers["content-length"];
  if (length !== undefined) return length !== "0";
  return req.headers["transfer-encoding"] !== undefined;
}

/** [name, value] pairs from Node's flat rawHeaders list. */
function pairsOf(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string]);
  return pairs;
}

/** The fixed hop-by-hop names plus any the message's Connection header lists. */
function hopByHop(pairs: readonly [string, string][]): Set<string> {
  const skip = new Set(HOP_BY_HOP);
  for (const [name, value] of pairs) {
    if (name.toLowerCase() !== "connection") continue;
    for (const token of value.split(",")) skip.add(token.trim().toLowerCase());
  }
  return skip;
}

/**
 * The headers for the upstream request: the pod's end-to-end headers (Authorization among them,
 * untouched), Host naming the control plane, the pod appended to X-Forwarded-For, and the framing
 * Node needs to re-send the body. For an upgrade, Connection and Upgrade are restated.
 */
function requestHeaders(
  req: http.IncomingMessage,
  authority: string,
  upgrade: boolean,
): Record<string, string | string[]> {
  const pairs = pairsOf(req.rawHeaders);
  const skip = hopByHop(pairs);
  const out: Record<string, string | string[]> = {};
  const forwardedFor: string[] = [];
  let upgradeTo: string | undefined;
  let chunked = false;
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    if (key === "upgrade") upgradeTo = upgradeTo === undefined ? value : `${upgradeTo}, ${value}`;
    if (key === "transfer-encoding") chunked = true;
    if (key === "x-forwarded-for") {
      forwardedFor.push(value);
      continue;
    }
    if (key === "host" || skip.has(key)) continue;
    const had = out[key];
    out[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  out.host = authority;
  const client = podAddress(req);
  if (client !== undefined) forwardedFor.push(client);
  if (forwardedFor.length > 0) out["x-forwarded-for"] = forwardedFor.join(", ");
  if (upgrade && upgradeTo !== undefined) {
    out.connection = "Upgrade";
    out.upgrade = upgradeTo;
  }
  // A chunked body keeps being chunked upstream. Said explicitly because Node chunks a GET or DELETE
  // body only when told to, and would otherwise send it unframed.
  if (chunked && out["content-length"] === undefined) out["transfer-encoding"] = "chunked";
  return out;
}

function podAddress(req: http.IncomingMessage): string | undefined {
  const address = req.socket.remoteAddress;
  // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d.
  return address?.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function responseHeaderPairs(raw: string[]): [string, string][] {
  const pairs = pairsOf(raw);
  const skip = hopByHop(pairs);
  return pairs.filter(([name]) => !skip.has(name.toLowerCase()));
}

/** The response's end-to-end headers, repeated names (Set-Cookie, Warning) kept as arrays. */
function responseHeaders(raw: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of responseHeaderPairs(raw)) {
    const key = name.toLowerCase();
    const had = out[key];
    out[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}

/** A status line and header block for a raw socket (after an upgrade request there is no ServerResponse). */
function rawHead(res: http.IncomingMessage, headers: readonly [string, string][]): string {
  const code = res.statusCode ?? 502;
  let head = `HTTP/1.1 ${code} ${res.statusMessage || http.STATUS_CODES[code] || ""}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  return `${head}\r\n`;
}

/** A Kubernetes Status object: what client-go and kubectl parse out of an error response. */
function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
}

function sendStatus(res: http.ServerResponse, code: number, reason: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = statusBody(code, reason, message);
  res.writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function writeRawStatus(socket: Duplex, code: number, reason: string, message: string): void {
  const body = statusBody(code, reason, message);
  socket.end(
    `HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? ""}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function errorCode(err: Error): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** Why the control plane could not be reached, in words, with Node's code for searching. */
function explain(err: Error): string {
  const code = errorCode(err);
  switch (code) {
    case "ECONNREFUSED":
      return "it refused the connection (ECONNREFUSED)";
    case "ECONNRESET":
      return "it closed the connection without answering (ECONNRESET)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `its name does not resolve (${code})`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `no route to it (${code})`;
    case "ETIMEDOUT":
      return `${err.message} (ETIMEDOUT)`;
  }
  if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS/.test(code))
    return `its TLS certificate did not verify: ${err.message} (${code})`;
  return `${err.message}${code ? ` (${code})` : ""}`;
}
