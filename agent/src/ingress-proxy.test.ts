// The agent's ingress proxy against real local servers (node:http, ws), with the test playing the
// control plane: it calls handle(frame) and collects what the proxy sends, each frame round-tripped
// through the wire encoding. Covers headers both ways, a large response held to the window, a large
// request body credited back, 502/504 answers, WebSocket relaying and resets from either side, and
// IngressLink carrying a stream over a real socket, redialling when it drops.

import { createHash } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import {
  decodeFrame,
  encodeFrame,
  FrameType,
  INGRESS_CHUNK,
  INGRESS_WINDOW,
  type IngressFrame,
  type OpenPayload,
} from "../../schemas/agent/ingress-link.ts";
import { IngressLink } from "./ingress-link.ts";
import { IngressProxy } from "./ingress-proxy.ts";

/** Polls `probe` every 2 ms until it returns something, for at most `ms`. */
async function until<T>(what: string, probe: () => T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The control plane's side, in memory: per-stream frames, response bytes outstanding, request credit. */
class ControlPlane {
  readonly frames: IngressFrame[] = [];
  readonly logs: string[] = [];
  readonly proxy = new IngressProxy({ send: (f) => this.receive(f), log: (l) => this.logs.push(l) });
  /** Response bytes sent by the proxy and not yet credited, per stream, and the most ever. */
  readonly outstanding = new Map<number, number>();
  maxOutstanding = 0;
  /** Request-body credit the proxy returned, per stream. */
  readonly credited = new Map<number, number>();

  private receive(f: IngressFrame): void {
    const frame = decodeFrame(encodeFrame(f));
    if (!frame) throw new Error(`the proxy sent a frame that does not decode: ${JSON.stringify(f)}`);
    this.frames.push(frame);
    // A HEAD's body bytes count against the window as DATA's do.
    const spent = frame.type === FrameType.DATA ? frame.data : frame.type === FrameType.HEAD ? frame.data : undefined;
    if (spent) {
      const n = (this.outstanding.get(frame.stream) ?? 0) + spent.byteLength;
      this.outstanding.set(frame.stream, n);
      this.maxOutstanding = Math.max(this.maxOutstanding, n);
    }
    if (frame.type === FrameType.CREDIT)
      this.credited.set(frame.stream, (this.credited.get(frame.stream) ?? 0) + frame.bytes);
  }

  open(stream: number, open: Partial<OpenPayload> & { port: number }): void {
    this.proxy.handle({
      type: FrameType.OPEN,
      stream,
      open: { ip: "127.0.0.1", method: "GET", path: "/", headers: [], timeoutMs: 5000, ...open },
    });
  }

  send(f: IngressFrame): void {
    const frame = decodeFrame(encodeFrame(f));
    if (!frame) throw new Error("test frame does not decode");
    this.proxy.handle(frame);
  }

  grant(stream: number, bytes: number): void {
    this.outstanding.set(stream, (this.outstanding.get(stream) ?? 0) - bytes);
    this.send({ type: FrameType.CREDIT, stream, bytes });
  }

  on(stream: number): IngressFrame[] {
    return this.frames.filter((f) => f.stream === stream);
  }

  find<T extends IngressFrame["type"]>(stream: number, type: T): Extract<IngressFrame, { type: T }> | undefined {
    return this.on(stream).find((f): f is Extract<IngressFrame, { type: T }> => f.type === type);
  }

  body(stream: number): Buffer {
    return Buffer.concat(
      this.on(stream).flatMap((f) =>
        f.type === FrameType.DATA ? [f.data] : f.type === FrameType.HEAD && f.data ? [f.data] : [],
      ),
    );
  }

  ended(stream: number): boolean {
    return this.on(stream).some(
      (f) =>
        f.type === FrameType.END || f.type === FrameType.RESET || (f.type === FrameType.HEAD && f.head.end === true),
    );
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function controlPlane(): ControlPlane {
  const cp = new ControlPlane();
  cleanups.push(() => cp.proxy.close());
  return cp;
}

async function serve(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as AddressInfo).port };
}

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 16)) % 251;
  return b;
}

describe("HTTP streams", () => {
  it("forwards the request head, returns the response with hop-by-hop headers removed", async () => {
    let seen: http.IncomingHttpHeaders | undefined;
    const { port } = await serve((req, res) => {
      seen = req.headers;
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      res.setHeader("connection", "x-private");
      res.setHeader("x-private", "hop");
      res.setHeader("content-type", "text/plain");
      res.end(`hello ${req.method} ${req.url}`);
    });
    const cp = controlPlane();
    cp.open(1, {
      port,
      path: "/greet?who=pi",
      headers: [
        ["host", "app.example.test"],
        ["x-request-id", "r-1"],
        ["accept", "text/plain"],
        ["accept", "text/html"],
        ["connection", "x-drop"],
        ["x-drop", "1"],
        ["keep-alive", "timeout=5"],
      ],
    });
    cp.send({ type: FrameType.END, stream: 1 });
    await until("END", () => cp.ended(1));

    expect(seen?.host).toBe("app.example.test");
    expect(seen?.["x-request-id"]).toBe("r-1");
    expect(seen?.accept).toBe("text/plain, text/html");
    expect(seen?.["x-drop"]).toBeUndefined();
    expect(seen?.["keep-alive"]).toBeUndefined();

    const head = cp.find(1, FrameType.HEAD)?.head;
    expect(head?.status).toBe(200);
    const names = head?.headers.map(([n]) => n.toLowerCase()) ?? [];
    expect(head?.headers.filter(([n]) => n.toLowerCase() === "set-cookie").map(([, v]) => v)).toEqual(["a=1", "b=2"]);
    expect(names).toContain("content-type");
    for (const hop of ["connection", "x-private", "transfer-encoding", "keep-alive"]) expect(names).not.toContain(hop);
    expect(cp.body(1).toString()).toBe("hello GET /greet?who=pi");
    // A small answer already complete goes as one message: the HEAD carries the body and ends it.
    expect(cp.on(1).map((f) => f.type)).toEqual([FrameType.HEAD]);
    expect(cp.find(1, FrameType.HEAD)?.head.end).toBe(true);
    expect(cp.proxy.size).toBe(0);
  });

  it("streams a 10 MiB response in order, never beyond the credit granted", async () => {
    const payload = pattern(10 * 1024 * 1024);
    const { port } = await serve((_req, res) => {
      res.writeHead(200, { "content-length": payload.byteLength });
      res.end(payload);
    });
    const cp = controlPlane();
    cp.open(7, { port });
    cp.send({ type: FrameType.END, stream: 7 });
    let stalls = 0;
    // Each round: wait until the proxy has spent the whole window (or finished), then grant it back in
    // two uneven parts so chunks get cut at odd sizes.
    while (!cp.ended(7)) {
      await until(
        "the window spent or the response ended",
        () => (cp.outstanding.get(7) ?? 0) >= INGRESS_WINDOW || cp.ended(7),
        10_000,
      );
      if (cp.ended(7)) break;
      stalls++;
      const spent = cp.outstanding.get(7) ?? 0;
      cp.grant(7, 100_000);
      cp.grant(7, spent - 100_000);
    }
    expect(cp.find(7, FrameType.RESET)).toBeUndefined();
    expect(cp.maxOutstanding).toBeLessThanOrEqual(INGRESS_WINDOW);
    expect(stalls).toBeGreaterThanOrEqual(Math.floor(payload.byteLength / INGRESS_WINDOW) - 1);
    for (const f of cp.on(7))
      if (f.type === FrameType.DATA) expect(f.data.byteLength).toBeLessThanOrEqual(INGRESS_CHUNK);
    const body = cp.body(7);
    expect(body.byteLength).toBe(payload.byteLength);
    expect(body.equals(payload)).toBe(true);
    expect(cp.proxy.size).toBe(0);
  }, 30_000);

  it("delivers a 1 MiB request body intact and returns credit for it", async () => {
    const payload = pattern(1024 * 1024 + 123);
    const { port } = await serve(async (req, res) => {
      const parts: Buffer[] = [];
      for await (const c of req) parts.push(c as Buffer);
      const got = Buffer.concat(parts);
      res.end(`${got.byteLength} ${createHash("sha256").update(got).digest("hex")}`);
    });
    const cp = controlPlane();
    cp.open(3, { port, method: "POST", headers: [["content-type", "application/octet-stream"]] });
    // The control plane's own window for the request body: it sends only what the proxy credited.
    let sent = 0;
    while (sent < payload.byteLength) {
      const window = await until(
        "request credit",
        () => {
          const w = INGRESS_WINDOW + (cp.credited.get(3) ?? 0) - sent;
          return w > 0 ? w : undefined;
        },
        10_000,
      );
      const n = Math.min(INGRESS_CHUNK, window, payload.byteLength - sent);
      cp.send({ type: FrameType.DATA, stream: 3, data: payload.subarray(sent, sent + n) });
      sent += n;
    }
    cp.send({ type: FrameType.END, stream: 3 });
    await until("END", () => cp.ended(3), 10_000);
    expect(cp.find(3, FrameType.HEAD)?.head.status).toBe(200);
    expect(cp.body(3).toString()).toBe(`${payload.byteLength} ${createHash("sha256").update(payload).digest("hex")}`);
    await until("all request bytes credited", () => cp.credited.get(3) === payload.byteLength);
    expect(cp.proxy.size).toBe(0);
  }, 30_000);

  it("answers 502 naming the pod when the connection is refused", async () => {
    const { server, port } = await serve(() => {});
    server.close();
    await once(server, "close");
    const cp = controlPlane();
    cp.open(4, { port });
    const reset = (await until("RESET", () => cp.find(4, FrameType.RESET))).reset;
    expect(reset.status).toBe(502);
    expect(reset.message).toBe(`the pod at 127.0.0.1:${port} refused the connection (ECONNREFUSED)`);
    expect(cp.find(4, FrameType.HEAD)).toBeUndefined();
    expect(cp.proxy.size).toBe(0);
  });

  it("answers 504 when the pod sends no response head within the timeout", async () => {
    let closed = false;
    const { port } = await serve((_req, res) => {
      res.on("close", () => {
        closed = true;
      });
    });
    const cp = controlPlane();
    const started = Date.now();
    cp.open(5, { port, timeoutMs: 200 });
    cp.send({ type: FrameType.END, stream: 5 });
    const reset = (await until("RESET", () => cp.find(5, FrameType.RESET), 3000)).reset;
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(reset.status).toBe(504);
    expect(reset.message).toContain(`127.0.0.1:${port}`);
    await until("the pod's request aborted", () => closed);
    expect(cp.proxy.size).toBe(0);
  });

  it("resets with 502 when the pod breaks off a response it started", async () => {
    const { port } = await serve((_req, res) => {
      res.writeHead(200, { "content-length": 1000 });
      res.write("partial", () => res.socket?.destroy());
    });
    const cp = controlPlane();
    cp.open(6, { port });
    cp.send({ type: FrameType.END, stream: 6 });
    const reset = (await until("RESET", () => cp.find(6, FrameType.RESET))).reset;
    expect(cp.find(6, FrameType.HEAD)?.head.status).toBe(200);
    expect(reset.status).toBe(502);
    expect(cp.find(6, FrameType.END)).toBeUndefined();
    expect(cp.proxy.size).toBe(0);
  });

  it("aborts the pod's request on RESET from the control plane, and on link close", async () => {
    const arrived = new Set<string>();
    const closed = new Set<string>();
    const { port } = await serve((req, res) => {
      arrived.add(req.url ?? "");
      res.on("close", () => closed.add(req.url ?? ""));
    });
    const cp = controlPlane();
    cp.open(8, { port, path: "/reset", method: "POST" });
    cp.send({ type: FrameType.DATA, stream: 8, data: Buffer.from("some") });
    cp.open(9, { port, path: "/link" });
    cp.send({ type: FrameType.END, stream: 9 });
    await until("both requests at the pod", () => arrived.size === 2 && cp.credited.get(8) === 4);
    expect(cp.proxy.size).toBe(2);
    cp.send({ type: FrameType.RESET, stream: 8, reset: { status: 499, message: "the client went away" } });
    await until("the reset request closed at the pod", () => closed.has("/reset"));
    expect(cp.proxy.size).toBe(1);
    cp.proxy.close();
    await until("the other request closed at the pod", () => closed.has("/link"));
    expect(cp.proxy.size).toBe(0);
    // Ended from the control plane's side: the proxy says nothing more about either stream.
    expect(cp.find(8, FrameType.RESET)).toBeUndefined();
    expect(cp.find(9, FrameType.RESET)).toBeUndefined();
  });
});

describe("WebSocket streams", () => {
  async function echoServer() {
    const { server, port } = await serve((_req, res) => res.end());
    const wss = new WebSocketServer({
      server,
      handleProtocols: (protocols) => (protocols.has("chat") ? "chat" : false),
    });
    cleanups.push(() => wss.close());
    const upgrades: http.IncomingHttpHeaders[] = [];
    const closes: { code: number; reason: string }[] = [];
    wss.on("connection", (ws, req) => {
      upgrades.push(req.headers);
      ws.on("message", (data, isBinary) => {
        if (!isBinary && data.toString() === "close-me") ws.close(4001, "done");
        else ws.send(data, { binary: isBinary });
      });
      ws.on("close", (code, reason) => closes.push({ code, reason: reason.toString() }));
    });
    return { port, upgrades, closes };
  }

  it("relays text and binary messages both ways and a close from the client", async () => {
    const pod = await echoServer();
    const cp = controlPlane();
    cp.open(11, {
      port: pod.port,
      path: "/socket?room=1",
      upgrade: true,
      protocols: ["other", "chat"],
      headers: [
        ["host", "app.example.test"],
        ["x-user", "u1"],
        ["sec-websocket-key", "from-the-client"],
      ],
    });
    const head = (await until("HEAD", () => cp.find(11, FrameType.HEAD))).head;
    expect(head).toEqual({ status: 101, headers: [], protocol: "chat" });
    expect(pod.upgrades[0]?.host).toBe("app.example.test");
    expect(pod.upgrades[0]?.["x-user"]).toBe("u1");
    expect(pod.upgrades[0]?.["sec-websocket-key"]).not.toBe("from-the-client");

    cp.send({ type: FrameType.MESSAGE, stream: 11, text: true, data: Buffer.from("hi ✓") });
    cp.send({ type: FrameType.MESSAGE, stream: 11, text: false, data: new Uint8Array([0, 1, 2, 255]) });
    const messages = await until("two echoes", () => {
      const m = cp.on(11).filter((f) => f.type === FrameType.MESSAGE);
      return m.length === 2 ? m : undefined;
    });
    expect(messages.map((m) => (m.type === FrameType.MESSAGE ? [m.text, [...m.data]] : []))).toEqual([
      [true, [...Buffer.from("hi ✓")]],
      [false, [0, 1, 2, 255]],
    ]);

    cp.send({ type: FrameType.CLOSE, stream: 11, close: { code: 4000, reason: "bye" } });
    await until("the pod saw the close", () => pod.closes.length === 1);
    expect(pod.closes[0]).toEqual({ code: 4000, reason: "bye" });
    await until("the stream gone", () => cp.proxy.size === 0);
  });

  it("relays a close from the pod, and maps 1005 from the client to 1000", async () => {
    const pod = await echoServer();
    const cp = controlPlane();
    cp.open(12, { port: pod.port, upgrade: true, protocols: [] });
    const head = (await until("HEAD", () => cp.find(12, FrameType.HEAD))).head;
    expect(head.protocol).toBeUndefined();
    cp.send({ type: FrameType.MESSAGE, stream: 12, text: true, data: Buffer.from("close-me") });
    const close = (await until("CLOSE", () => cp.find(12, FrameType.CLOSE))).close;
    expect(close).toEqual({ code: 4001, reason: "done" });
    expect(cp.proxy.size).toBe(0);

    cp.open(13, { port: pod.port, upgrade: true });
    await until("HEAD", () => cp.find(13, FrameType.HEAD));
    cp.send({ type: FrameType.CLOSE, stream: 13, close: { code: 1005, reason: "" } });
    await until("the pod saw the close", () => pod.closes.length === 2);
    expect(pod.closes.map((c) => c.code).sort()).toEqual([1000, 4001]);
  });

  it("drops the pod's socket on RESET from the control plane", async () => {
    const pod = await echoServer();
    const cp = controlPlane();
    cp.open(16, { port: pod.port, upgrade: true });
    await until("HEAD", () => cp.find(16, FrameType.HEAD));
    cp.send({ type: FrameType.RESET, stream: 16, reset: { status: 499, message: "the client went away" } });
    expect(cp.proxy.size).toBe(0);
    await until("the pod saw the socket go", () => pod.closes.length === 1);
    expect(pod.closes[0]?.code).toBe(1006);
    expect(cp.find(16, FrameType.CLOSE)).toBeUndefined();
  });

  it("answers 502 with the pod's status when it refuses the upgrade", async () => {
    const { server, port } = await serve((_req, res) => res.end());
    server.on("upgrade", (_req, socket) => {
      socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    });
    const cp = controlPlane();
    cp.open(14, { port, upgrade: true });
    const reset = (await until("RESET", () => cp.find(14, FrameType.RESET))).reset;
    expect(reset.status).toBe(502);
    expect(reset.message).toBe(`the pod at 127.0.0.1:${port} refused the WebSocket upgrade (HTTP 404)`);
    expect(cp.find(14, FrameType.HEAD)).toBeUndefined();
    expect(cp.proxy.size).toBe(0);
  });

  it("answers 502 when nothing listens", async () => {
    const { server, port } = await serve(() => {});
    server.close();
    await once(server, "close");
    const cp = controlPlane();
    cp.open(15, { port, upgrade: true });
    const reset = (await until("RESET", () => cp.find(15, FrameType.RESET))).reset;
    expect(reset).toEqual({
      status: 502,
      message: `the pod at 127.0.0.1:${port} refused the connection (ECONNREFUSED)`,
    });
    expect(cp.proxy.size).toBe(0);
  });
});

describe("IngressLink", () => {
  it("serves streams over its socket, reconnects when it drops, and stops", async () => {
    const { port: podPort } = await serve((_req, res) => res.end("from the pod"));
    const { server, port } = await serve(() => {});
    const wss = new WebSocketServer({ server });
    cleanups.push(() => wss.close());
    const sockets: WebSocket[] = [];
    const frames: IngressFrame[] = [];
    wss.on("connection", (ws) => {
      sockets.push(ws);
      ws.on("message", (data) => {
        const f = decodeFrame(data as Buffer);
        if (f) frames.push(f);
      });
    });
    const logs: string[] = [];
    const link = new IngressLink({
      dial: () => new WebSocket(`ws://127.0.0.1:${port}/kflare/v1/nodes/n1/ingress`),
      log: (l) => logs.push(l),
    });
    cleanups.push(() => link.stop());
    link.start();
    link.start();
    const first = await until("the link", () => sockets[0]);
    first.send(new Uint8Array([99, 0]));
    first.send(new Uint8Array([99, 0]));
    const open: OpenPayload = {
      ip: "127.0.0.1",
      port: podPort,
      method: "GET",
      path: "/",
      headers: [],
      timeoutMs: 5000,
      // No body follows: the request is complete with its OPEN.
      end: true,
    };
    first.send(encodeFrame({ type: FrameType.OPEN, stream: 1, open }));
    await until("the answer", () => frames.some((f) => f.type === FrameType.HEAD && f.head.end));
    expect(frames.map((f) => f.type)).toEqual([FrameType.HEAD]);
    const head = frames[0];
    expect(head?.type === FrameType.HEAD && Buffer.from(head.data ?? []).toString()).toBe("from the pod");
    expect(logs.filter((l) => l.includes("malformed"))).toHaveLength(1);

    first.terminate();
    const second = await until("the link again", () => sockets[1]);
    expect(sockets).toHaveLength(2);
    link.stop();
    await until("the link closed by the agent", () => second.readyState === WebSocket.CLOSED);
  });
});
