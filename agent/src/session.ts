// The agent's side of the node link: one outbound WebSocket to its node's Durable Object, kept up
// with keepalive pings (a silent NAT drop is noticed when pongs stop) and reconnected with
// full-jitter backoff. It applies assignments, reports node and pod status, and answers stream
// requests (kubectl logs, exec, attach, port-forward) on their own data sockets. After the first welcome it
// also starts the ingress link (IngressLink: HTTP to this node's pods, on its own socket with its own
// reconnects). Pods keep running while it is disconnected.

import WebSocket from "ws";
import {
  type AgentFrame,
  type AssignmentFrame,
  KEEPALIVE_PING,
  KEEPALIVE_PONG,
  type NetworkFrame,
  type OpenLogStreamFrame,
  PROTOCOL_VERSION,
  parseFrame,
  type ServerFrame,
  type ServingCertRequestFrame,
  serverFrame,
  type TokenRequestFrame,
} from "../../schemas/agent/protocol.ts";

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

import { ReconnectBackoff } from "./backoff.ts";
import type { Credential } from "./data-dir.ts";
import { type ExecWorkload, serveExecStream } from "./exec-stream.ts";
import { IngressLink } from "./ingress-link.ts";
import { streamLog } from "./log-reader.ts";
import { AGENT_VERSION, type NodeReport } from "./node-info.ts";
import { type PortForwardWorkload, servePortForwardStream } from "./port-forward-stream.ts";

/** What the session drives: the pod manager, seen from the link. */
export interface Workload extends ExecWorkload, PortForwardWorkload {
  /** The last assignment's resourceVersion ("" when none). */
  resumeFrom(): string;
  assign(a: AssignmentFrame): Promise<void>;
  /** The cluster's Services and EndpointSlices (service proxy, DNS). */
  network(n: NetworkFrame): Promise<void>;
  /** The log file of a container (or of its previous instance). */
  logFile(uid: string, container: string, previous: boolean): Promise<string | undefined>;
  /** Called on (re)connect: every pod's current status goes out again. */
  currentStatuses(): AgentFrame[];
}

export interface SessionOptions {
  credential: Credential;
  workload: Workload;
  nodeReport: () => Promise<NodeReport>;
  log: (line: string) => void;
  /** A stale agent: the control plane speaks another protocol. */
  onUpgradeRequired: (message: string) => void;
  /** Each time the control plane welcomes the node (first connect and every reconnect). */
  onConnected?: () => void;
}

function wsUrl(server: string, path: string): string {
  return server.replace(/^http/, "ws") + path;
}

export class Session {
  private readonly opts: SessionOptions;
  private ws: WebSocket | undefined;
  private readonly backoff = new ReconnectBackoff();
  private keepaliveMs = 10_000;
  private keepaliveTimer: ReturnType<typeof setInterval> | undefined;
  private lastPong = 0;
  private stopped = false;
  private connected = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Frames produced while offline: only the latest per pod matters, so they are keyed. */
  private readonly outbox = new Map<string, AgentFrame>();
  private readonly ingress: IngressLink;
  /** Requests waiting for their answer frame, by id. */
  private readonly pending = new Map<
    string,
    { resolve: (f: ServerFrame) => void; reject: (err: Error) => void; timer: ReturnType<typeof setTimeout> }
  >();
  private requestSeq = 0;

  constructor(opts: SessionOptions) {
    this.opts = opts;
    this.ingress = new IngressLink({ dial: () => this.dial("ingress"), log: opts.log });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  private socketOptions() {
    const c = this.opts.credential;
    return {
      headers: { authorization: `Bearer ${c.token}` },
      ...(c.caPem ? { ca: c.caPem } : {}),
      handshakeTimeout: 10_000,
    };
  }

  start(): void {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const c = this.opts.credential;
    const ws = new WebSocket(wsUrl(c.server, `/kflare/v1/nodes/${c.nodeName}/session`), this.socketOptions());
    this.ws = ws;
    ws.on("open", () => {
      this.send({
        type: "hello",
        protocolVersion: PROTOCOL_VERSION,
        agentVersion: AGENT_VERSION,
        nodeName: c.nodeName,
        resumeFrom: this.opts.workload.resumeFrom(),
      });
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      if (text === KEEPALIVE_PONG) {
        this.lastPong = Date.now();
        return;
      }
      this.onFrame(text).catch((err: unknown) => this.opts.log(`frame failed: ${String(err)}`));
    });
    ws.on("unexpected-response", (_req, res) => {
      this.opts.log(
        `the control plane refused the session: HTTP ${res.statusCode}${res.statusCode === 401 ? " (this node's credential is no longer valid: k-agent reset, then join again)" : ""}`,
      );
      // With this listener ws leaves the refused handshake open until its timeout: end it now, so
      // the close (and the next attempt) follow at once.
      res.resume();
      ws.terminate();
    });
    ws.on("error", (err) => this.opts.log(`link error: ${err.message}`));
    ws.on("close", (code, reason) => {
      if (this.ws === ws) this.disconnected(code, reason.toString());
    });
  }

  private disconnected(code: number, reason: string): void {
    const was = this.connected;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error("the connection to the control plane dropped; retrying"));
      this.pending.delete(id);
    }
    this.connected = false;
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    this.ws = undefined;
    if (this.stopped) return;
    const delay = this.backoff.next();
    if (was)
      this.opts.log(
        `disconnected from the control plane (${code}${reason ? ` ${reason}` : ""}); pods keep running; reconnecting`,
      );
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private async onFrame(text: string): Promise<void> {
    const frame = parseFrame(serverFrame, text);
    if (!frame) return;
    switch (frame.type) {
      case "welcome":
        this.connected = true;
        this.backoff.reset();
        this.keepaliveMs = frame.keepaliveSeconds * 1000;
        this.startKeepalive();
        this.opts.log(`connected to the control plane as node ${this.opts.credential.nodeName}`);
        // Once: the ingress link reconnects by itself and does not follow this socket's drops.
        this.ingress.start();
        await this.reportNode();
        for (const f of this.opts.workload.currentStatuses()) this.queue(f);
        this.flush();
        this.opts.onConnected?.();
        return;
      case "upgrade":
        this.opts.onUpgradeRequired(frame.message);
        return;
      case "assignment":
        await this.opts.workload.assign(frame);
        // The cluster thinks this node is not ready (it missed keepalives for a while): say it is.
        if (frame.nodeReady !== undefined && frame.nodeReady !== "True" && Date.now() - this.lastReport > 5000)
          await this.reportNode();
        return;
      case "network":
        await this.opts.workload.network(frame);
        return;
      case "openStream":
        if (frame.kind === "portforward") {
          servePortForwardStream(frame, this.dataSocket(frame.id), this.opts.workload, this.opts.log);
          return;
        }
        if (frame.kind !== "logs") {
          serveExecStream(frame, this.dataSocket(frame.id), this.opts.workload, this.opts.log);
          return;
        }
        this.openStream(frame).catch((err: unknown) => this.opts.log(`log stream failed: ${String(err)}`));
        return;
      case "error":
        this.opts.log(`the control plane says: ${frame.message}`);
        return;
      case "tokenResponse":
      case "servingCert": {
        const p = this.pending.get(frame.id);
        if (!p) return;
        this.pending.delete(frame.id);
        clearTimeout(p.timer);
        p.resolve(frame);
        return;
      }
    }
  }

  /** Sends a request frame and waits for the answer with its id (rejects when offline or after `timeoutMs`). */
  private request(
    frame: DistributiveOmit<TokenRequestFrame | ServingCertRequestFrame, "id">,
    timeoutMs = 15_000,
  ): Promise<ServerFrame> {
    const ws = this.ws;
    if (!this.connected || !ws) return Promise.reject(new Error("the control plane is unreachable from this node"));
    const id = `r${++this.requestSeq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer from the control plane within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  /** A service-account token bound to one of this node's pods (its projected volume). */
  async requestToken(
    r: Omit<TokenRequestFrame, "type" | "id">,
  ): Promise<{ token: string; expirationTimestamp: string }> {
    const f = await this.request({ type: "tokenRequest", ...r });
    if (f.type !== "tokenResponse" || !f.token || !f.expirationTimestamp)
      throw new Error(f.type === "tokenResponse" && f.error ? f.error : "the control plane sent no token");
    return { token: f.token, expirationTimestamp: f.expirationTimestamp };
  }

  /** A serving certificate for the `kubernetes` Service for this node's public key, and the cluster CA. */
  async requestServingCert(publicKeyPem: string): Promise<{ certPem: string; caPem: string }> {
    const f = await this.request({ type: "servingCertRequest", publicKeyPem });
    if (f.type !== "servingCert" || !f.certPem || !f.caPem)
      throw new Error(f.type === "servingCert" && f.error ? f.error : "the control plane sent no certificate");
    return { certPem: f.certPem, caPem: f.caPem };
  }

  private startKeepalive(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.lastPong = Date.now();
    this.keepaliveTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws) return;
      // No pong for three intervals: the link is dead even if the socket looks open (NAT drop).
      if (Date.now() - this.lastPong > this.keepaliveMs * 3) {
        this.opts.log("no keepalive answer from the control plane; reconnecting");
        ws.terminate();
        return;
      }
      ws.send(KEEPALIVE_PING);
    }, this.keepaliveMs);
  }

  private lastReport = 0;

  async reportNode(): Promise<void> {
    this.lastReport = Date.now();
    const r = await this.opts.nodeReport();
    this.send({
      type: "nodeStatus",
      labels: r.labels,
      status: r.status,
      ...(r.taints?.length ? { taints: r.taints } : {}),
    });
  }

  private key(f: AgentFrame): string {
    switch (f.type) {
      case "podStatus":
        return `status/${f.uid}`;
      case "podDeleted":
        return `deleted/${f.uid}`;
      case "event":
        return `event/${Math.random()}`;
      default:
        return f.type;
    }
  }

  private queue(f: AgentFrame): void {
    this.outbox.set(this.key(f), f);
    // Offline events beyond a bound are dropped (they are advisory); statuses are one per pod.
    if (this.outbox.size > 1000) {
      for (const k of this.outbox.keys()) {
        if (k.startsWith("event/")) {
          this.outbox.delete(k);
          break;
        }
      }
    }
  }

  private flush(): void {
    if (!this.connected || !this.ws) return;
    for (const [k, f] of this.outbox) {
      this.ws.send(JSON.stringify(f));
      this.outbox.delete(k);
    }
  }

  /** Sends now when connected, or keeps the latest per pod for when the link is back. */
  report(f: AgentFrame): void {
    this.queue(f);
    this.flush();
  }

  private send(f: AgentFrame): void {
    this.ws?.send(JSON.stringify(f));
  }

  /** Dials the data socket of stream `id` (its bytes never share the control socket). */
  private dataSocket(id: string): WebSocket {
    return this.dial(`streams/${id}`);
  }

  /**
   * A socket to this node's Durable Object at `path` (under /kflare/v1/nodes/<node>/). Without
   * per-message compression: these carry request bodies, terminal bytes and tunnelled TCP, often
   * compressed already, where deflate costs a small node CPU per message for little gain (the
   * control socket's JSON keeps it).
   */
  private dial(path: string): WebSocket {
    const c = this.opts.credential;
    return new WebSocket(wsUrl(c.server, `/kflare/v1/nodes/${c.nodeName}/${path}`), {
      ...this.socketOptions(),
      perMessageDeflate: false,
    });
  }

  private async openStream(f: OpenLogStreamFrame): Promise<void> {
    const ws = this.dataSocket(f.id);
    const abort = new AbortController();
    ws.on("close", () => abort.abort());
    ws.on("error", () => abort.abort());
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const path = await this.opts.workload.logFile(f.uid, f.container, f.previous);
    const fail = (code: number, reason: string, message: string) => {
      ws.send(JSON.stringify({ status: { code, reason, message } }));
      ws.close(1000);
    };
    if (!path) {
      fail(
        400,
        "BadRequest",
        f.previous
          ? `previous terminated container "${f.container}" in pod "${f.pod}" not found`
          : `container "${f.container}" in pod "${f.pod}" is waiting to start`,
      );
      return;
    }
    ws.send(JSON.stringify({ ok: true }));
    const since = f.sinceTime
      ? Date.parse(f.sinceTime)
      : f.sinceSeconds
        ? Date.now() - f.sinceSeconds * 1000
        : undefined;
    const found = await streamLog(
      path,
      { follow: f.follow, timestamps: f.timestamps, tailLines: f.tailLines, since, limitBytes: f.limitBytes },
      (text) =>
        new Promise<void>((resolve) => {
          if (ws.readyState !== WebSocket.OPEN) return resolve();
          ws.send(Buffer.from(text), { binary: true }, () => resolve());
        }),
      abort.signal,
    );
    if (!found) this.opts.log(`log file ${path} vanished`);
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.ingress.stop();
    this.ws?.close(1000, "agent stopping");
  }
}
