// The API proxy between real sockets on 127.0.0.1: a client playing the pod (verifying the proxy
// as kubernetes.default.svc against a throwaway CA), the proxy, and an https server playing the
// control plane under a path prefix. Covers what in-cluster clients rely on: paths, headers and the
// pod's own token relayed, bodies streamed both ways, watches delivered event by event, WebSocket
// upgrades (exec) tunnelled, Status answers when the control plane cannot be reached, aborts from
// either side tidied up, and certificate rotation.

import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { once } from "node:events";
import type http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { createCa, issueServerCert } from "../../cli/pki.ts";
import { ApiProxy, type ApiProxyOptions, upstreamPath } from "./api-proxy.ts";

const SERVICE_NAME = "kubernetes.default.svc";
const PREFIX = "/clusters/home";
const TOKEN = "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl-_";

interface Pair {
  certPem: string;
  keyPem: string;
}

let caPem: string;
let otherCaPem: string;
let podCert: Pair;
let podCert2: Pair;
let upstreamCert: Pair;

beforeAll(async () => {
  const ca = await createCa();
  const other = await createCa();
  caPem = ca.certPem;
  otherCaPem = other.certPem;
  const names = [SERVICE_NAME, "kubernetes.default", "kubernetes", "10.43.0.1"];
  podCert = await issueServerCert(ca.certPem, ca.keyPem, names);
  podCert2 = await issueServerCert(ca.certPem, ca.keyPem, names);
  upstreamCert = await issueServerCert(ca.certPem, ca.keyPem, ["127.0.0.1"]);
});

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

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** The control plane: an https server whose behaviour each test sets, plus WebSocket echo for upgrades. */
class ControlPlane {
  handler: Handler = (_req, res) => res.end("ok");
  readonly requests: http.IncomingMessage[] = [];
  readonly upgrades: http.IncomingMessage[] = [];
  readonly server: https.Server;
  private readonly wss = new WebSocketServer({
    noServer: true,
    // As the API server does: the newest channel protocol both sides speak.
    handleProtocols: (offered) => (offered.has("v5.channel.k8s.io") ? "v5.channel.k8s.io" : false),
  });

  constructor() {
    this.server = https.createServer({ cert: upstreamCert.certPem, key: upstreamCert.keyPem }, (req, res) => {
      this.requests.push(req);
      this.handler(req, res);
    });
    this.server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrades.push(req);
      if (req.url?.endsWith("/forbidden")) {
        const body = JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "Forbidden",
          code: 403,
        });
        socket.end(
          `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
      });
    });
  }

  async listen(port = 0): Promise<number> {
    this.server.listen(port, "127.0.0.1");
    await once(this.server, "listening");
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function controlPlane(): Promise<{ cp: ControlPlane; port: number }> {
  const cp = new ControlPlane();
  const port = await cp.listen();
  cleanups.push(() => cp.close());
  return { cp, port };
}

async function startProxy(
  server: string,
  extra: Partial<ApiProxyOptions> = {},
): Promise<{ proxy: ApiProxy; port: number; logs: string[] }> {
  const logs: string[] = [];
  const proxy = new ApiProxy({
    host: "127.0.0.1",
    port: 0,
    cert: podCert.certPem,
    key: podCert.keyPem,
    server,
    caPem,
    log: (l) => logs.push(l),
    ...extra,
  });
  const { port } = await proxy.start();
  cleanups.push(() => proxy.close());
  return { proxy, port, logs };
}

/** Request options for a client that trusts the test CA and expects the Service's name, as a pod's client does. */
function podRequest(port: number, path: string, extra: https.RequestOptions = {}): https.RequestOptions {
  return { host: "127.0.0.1", port, path, ca: caPem, servername: SERVICE_NAME, agent: false, ...extra };
}

/** A WebSocket client's options as a pod's: ws hands TLS options to tls.connect, though its types name only some. */
function wsOptions(extra: WebSocket.ClientOptions = {}): WebSocket.ClientOptions {
  const tls: Pick<ConnectionOptions, "ca" | "servername"> = { ca: caPem, servername: SERVICE_NAME };
  return { ...tls, ...extra };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Serial number of the certificate the proxy presented on this request's connection. */
  peerSerial: string;
}

async function call(options: https.RequestOptions, body?: Buffer): Promise<Answer> {
  const req = https.request(options);
  req.end(body);
  const [res] = (await once(req, "response")) as [http.IncomingMessage];
  const peerSerial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), peerSerial };
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

describe("upstreamPath", () => {
  it("puts the prefix in front and keeps the query", () => {
    expect(upstreamPath("/clusters/home", "/api/v1/pods?watch=true&rv=5")).toBe(
      "/clusters/home/api/v1/pods?watch=true&rv=5",
    );
    expect(upstreamPath("", "/version")).toBe("/version");
  });

  it("refuses targets that are not origin form or that climb with dot segments", () => {
    expect(upstreamPath("/p", "http://evil/api")).toBeUndefined();
    expect(upstreamPath("/p", "*")).toBeUndefined();
    expect(upstreamPath("/p", undefined)).toBeUndefined();
    for (const t of ["/api/../../other/api", "/./api", "/api/%2E%2e/x", "/api\\..\\x", "/api/.%2e"])
      expect(upstreamPath("/p", t), t).toBeUndefined();
    // Dots inside a segment are names like any other; dots in the query are not path.
    expect(upstreamPath("/p", "/api/v1/namespaces/a..b?x=../..")).toBe("/p/api/v1/namespaces/a..b?x=../..");
  });
});

describe("ApiProxy", () => {
  it("relays a GET under the server's path prefix with its query, the pod's token verbatim, and no hop-by-hop headers", async () => {
    const { cp, port: cpPort } = await controlPlane();
    cp.handler = (_req, res) => {
      res.setHeader("Content-Type", "application/json");
      res.setHeader("Set-Cookie", ["a=1", "b=2"]);
      res.setHeader("Connection", "keep-alive, X-Upstream-Hop");
      res.setHeader("X-Upstream-Hop", "1");
      res.setHeader("Audit-Id", "abc");
      res.end('{"kind":"PodList","items":[]}');
    };
    const { port, logs } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}/`);
    const answer = await call(
      podRequest(port, "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=5", {
        headers: {
          Authorization: TOKEN,
          Accept: "application/json",
          Connection: "keep-alive, X-Pod-Hop",
          "X-Pod-Hop": "secret",
          "Keep-Alive": "timeout=5",
          "Proxy-Authorization": "Basic Zm9vOmJhcg==",
          TE: "trailers",
          "X-Forwarded-For": "203.0.113.9",
          "User-Agent": "kubectl/v1.35.0",
        },
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('{"kind":"PodList","items":[]}');
    expect(answer.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(answer.headers["audit-id"]).toBe("abc");
    expect(answer.headers["x-upstream-hop"]).toBeUndefined();

    const seen = cp.requests[0]!;
    expect(seen.url).toBe(`${PREFIX}/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=5`);
    expect(seen.method).toBe("GET");
    expect(seen.headers.authorization).toBe(TOKEN);
    expect(seen.headers.host).toBe(`127.0.0.1:${cpPort}`);
    expect(seen.headers.accept).toBe("application/json");
    expect(seen.headers["user-agent"]).toBe("kubectl/v1.35.0");
    expect(seen.headers["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
    for (const h of ["x-pod-hop", "proxy-authorization", "te"]) expect(seen.headers[h], h).toBeUndefined();
    // The proxy speaks for nobody: its own logs never carry what the pod sent.
    expect(logs.join("\n")).not.toContain("eyJ");
  });

  it("streams a 5 MB request body up and the echoed body back down, unbuffered", async () => {
    const { cp, port: cpPort } = await controlPlane();
    let received = 0;
    let upstreamHash = "";
    let framing: string | undefined;
    cp.handler = (req, res) => {
      framing = req.headers["transfer-encoding"];
      const hash = createHash("sha256");
      req.on("data", (c: Buffer) => {
        received += c.length;
        hash.update(c);
      });
      req.on("end", () => {
        upstreamHash = hash.digest("hex");
      });
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      req.pipe(res);
    };
    const { port } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}`);
    const body = randomBytes(5 * 1024 * 1024);
    const req = https.request(
      podRequest(port, "/api/v1/namespaces/default/configmaps", {
        method: "POST",
        headers: { Authorization: TOKEN, "Content-Type": "application/octet-stream" },
      }),
    );
    const answer = (async () => {
      const [res] = (await once(req, "response")) as [http.IncomingMessage];
      const hash = createHash("sha256");
      let n = 0;
      for await (const c of res) {
        hash.update(c as Buffer);
        n += (c as Buffer).length;
      }
      return { status: res.statusCode, hash: hash.digest("hex"), n };
    })();
    // The first megabyte must reach the control plane while the pod still holds the other four.
    const firstMb = 1024 * 1024;
    req.write(body.subarray(0, firstMb));
    await until("the first megabyte upstream", () => received >= firstMb);
    for (let at = firstMb; at < body.length; at += 64 * 1024) {
      if (!req.write(body.subarray(at, at + 64 * 1024))) await once(req, "drain");
    }
    req.end();
    const result = await answer;
    expect(result.status).toBe(200);
    expect(result.n).toBe(body.length);
    expect(upstreamHash).toBe(sha256(body));
    expect(result.hash).toBe(sha256(body));
    expect(framing).toBe("chunked");
  });

  it("delivers a watch's head and each event as it comes, before the control plane ends the response", async () => {
    const { cp, port: cpPort } = await controlPlane();
    let sendFirst!: () => void;
    let sendRest!: () => void;
    const first = new Promise<void>((r) => {
      sendFirst = r;
    });
    const rest = new Promise<void>((r) => {
      sendRest = r;
    });
    let ended = false;
    const event1 = `${JSON.stringify({ type: "ADDED", object: { kind: "Pod", metadata: { name: "a" } } })}\n`;
    const event2 = `${JSON.stringify({ type: "DELETED", object: { kind: "Pod", metadata: { name: "a" } } })}\n`;
    cp.handler = async (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.flushHeaders();
      await first;
      res.write(event1);
      await rest;
      res.end(event2, () => {
        ended = true;
      });
    };
    const { port } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}`);
    const req = https.get(podRequest(port, "/api/v1/pods?watch=true", { headers: { Authorization: TOKEN } }));
    // The status line arrives while the control plane has sent no event at all.
    const [res] = (await once(req, "response")) as [http.IncomingMessage];
    expect(res.statusCode).toBe(200);
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    sendFirst();
    const [chunk] = (await once(res, "data")) as [Buffer];
    expect(chunk.toString()).toBe(event1);
    expect(ended).toBe(false);
    const remaining: Buffer[] = [];
    res.on("data", (c: Buffer) => remaining.push(c));
    sendRest();
    await once(res, "end");
    expect(Buffer.concat(remaining).toString()).toBe(event2);
  });

  it("destroys the upstream request when the pod gives up on a watch", async () => {
    const { cp, port: cpPort } = await controlPlane();
    cp.handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.flushHeaders();
    };
    const { proxy, port, logs } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}`);
    const req = https.get(podRequest(port, "/api/v1/pods?watch=true"));
    await once(req, "response");
    expect(proxy.active).toBe(1);
    const upstreamReq = cp.requests[0]!;
    const upstreamGone = once(upstreamReq.socket, "close");
    req.on("error", () => {});
    req.destroy();
    await upstreamGone;
    await until("no requests in flight", () => proxy.active === 0);

    // Gone before the control plane said anything: the same, and that is no outage to log.
    cp.handler = () => {};
    const early = https.get(podRequest(port, "/api/v1/pods?watch=true"));
    early.on("error", () => {});
    await until("the request upstream", () => cp.requests.length === 2);
    const earlyGone = once(cp.requests[1]!.socket, "close");
    early.destroy();
    await earlyGone;
    await until("no requests in flight", () => proxy.active === 0);
    expect(logs).toEqual([]);
  });

  it("breaks off the pod's response when the control plane breaks off its own", async () => {
    const { cp, port: cpPort } = await controlPlane();
    cp.handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"type":"ADDED"}\n', () => setTimeout(() => res.socket?.destroy(), 20));
    };
    const { proxy, port } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}`);
    const req = https.get(podRequest(port, "/api/v1/pods?watch=true"));
    req.on("error", () => {});
    const [res] = (await once(req, "response")) as [http.IncomingMessage];
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    // Not once(res, "close"): that rejects on the 'error' (aborted) that comes first.
    await new Promise<void>((resolve) => {
      res.on("error", () => {});
      res.once("close", resolve);
    });
    // Truncated, not ended: the client sees the stream fail and re-lists, as it must.
    expect(res.complete).toBe(false);
    expect(Buffer.concat(chunks).toString()).toBe('{"type":"ADDED"}\n');
    await until("no requests in flight", () => proxy.active === 0);
  });

  it("tunnels a WebSocket upgrade (exec's channel protocol) both ways", async () => {
    const { cp, port: cpPort } = await controlPlane();
    const { proxy, port } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}`);
    const ws = new WebSocket(
      `wss://127.0.0.1:${port}/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true&stdout=true`,
      ["v5.channel.k8s.io", "v4.channel.k8s.io"],
      wsOptions({ headers: { Authorization: TOKEN } }),
    );
    await once(ws, "open");
    expect(ws.protocol).toBe("v5.channel.k8s.io");
    const seen = cp.upgrades[0]!;
    expect(seen.url).toBe(`${PREFIX}/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true&stdout=true`);
    expect(seen.headers.authorization).toBe(TOKEN);
    expect(seen.headers.host).toBe(`127.0.0.1:${cpPort}`);
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(proxy.active).toBe(1);

    // Channel 0 (stdin) out, echoed back; then a larger frame to cross several TLS records.
    for (const payload of [Buffer.from([0, 0x6c, 0x73, 0x0a]), randomBytes(200_000)]) {
      const echoed = once(ws, "message");
      ws.send(payload);
      const [data, isBinary] = (await echoed) as [Buffer, boolean];
      expect(isBinary).toBe(true);
      expect(sha256(data)).toBe(sha256(payload));
    }
    const text = once(ws, "message");
    ws.send("hello");
    const [data, isBinary] = (await text) as [Buffer, boolean];
    expect(isBinary).toBe(false);
    expect(data.toString()).toBe("hello");

    ws.close(1000);
    const [code] = (await once(ws, "close")) as [number];
    expect(code).toBe(1000);
    await until("the tunnel closed", () => proxy.active === 0);
  });

  it("relays a refused upgrade as an ordinary response", async () => {
    const { port: cpPort } = await controlPlane();
    const { proxy, port } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}`);
    const ws = new WebSocket(
      `wss://127.0.0.1:${port}/api/v1/namespaces/default/pods/web/forbidden`,
      ["v5.channel.k8s.io"],
      wsOptions(),
    );
    ws.on("error", () => {});
    const [, res] = (await once(ws, "unexpected-response")) as [http.ClientRequest, http.IncomingMessage];
    expect(res.statusCode).toBe(403);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toMatchObject({
      kind: "Status",
      reason: "Forbidden",
      code: 403,
    });
    await until("nothing in flight", () => proxy.active === 0);
  });

  it("answers 503 with a Status when the control plane is down, logs the outage once, and recovers", async () => {
    const cp = new ControlPlane();
    const cpPort = await cp.listen();
    await cp.close();
    const { port, logs } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}`);
    for (let i = 0; i < 2; i++) {
      const answer = await call(podRequest(port, "/api/v1/pods", { headers: { Authorization: TOKEN } }));
      expect(answer.status).toBe(503);
      expect(answer.headers["content-type"]).toBe("application/json");
      const status = JSON.parse(answer.body.toString());
      expect(status).toMatchObject({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        reason: "ServiceUnavailable",
        code: 503,
      });
      expect(status.message).toMatch(/control plane is unreachable from this node.*ECONNREFUSED/);
    }
    // An upgrade gets the same answer on its raw socket.
    const ws = new WebSocket(`wss://127.0.0.1:${port}/api/v1/namespaces/default/pods/web/exec`, wsOptions());
    ws.on("error", () => {});
    const [, res] = (await once(ws, "unexpected-response")) as [http.ClientRequest, http.IncomingMessage];
    expect(res.statusCode).toBe(503);
    res.resume();
    expect(logs.filter((l) => l.includes("unreachable"))).toHaveLength(1);

    const back = new ControlPlane();
    await back.listen(cpPort);
    cleanups.push(() => back.close());
    const answer = await call(podRequest(port, "/version"));
    expect(answer.status).toBe(200);
    expect(logs.at(-1)).toContain("answers again");
  });

  it("answers 503 when the control plane's certificate does not verify against the CA it was given", async () => {
    const { cp, port: cpPort } = await controlPlane();
    const { port } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}`, { caPem: otherCaPem });
    const answer = await call(podRequest(port, "/api/v1/pods"));
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body.toString()).message).toMatch(/TLS certificate did not verify/);
    expect(cp.requests).toHaveLength(0);
  });

  it("answers 503 when no TLS connection to the control plane comes up in time", async () => {
    // Accepts TCP and then says nothing: the TLS handshake hangs.
    const held: net.Socket[] = [];
    const silent = net.createServer((s) => held.push(s));
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    cleanups.push(() => {
      for (const s of held) s.destroy();
      silent.close();
    });
    const { port } = await startProxy(`https://127.0.0.1:${(silent.address() as AddressInfo).port}`, {
      connectTimeoutMs: 200,
    });
    const answer = await call(podRequest(port, "/api/v1/pods"));
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body.toString()).message).toMatch(/ETIMEDOUT/);
  });

  it("sends a safe request again when a pooled connection to the control plane turns out dead", async () => {
    const { cp, port: cpPort } = await controlPlane();
    const served = new Set<unknown>();
    cp.handler = (req, res) => {
      // Keeps the connection, then drops it when the next request arrives on it (an idle-timeout race).
      if (served.has(req.socket)) {
        req.socket.destroy();
        return;
      }
      served.add(req.socket);
      res.end("ok");
    };
    const { port } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}`);
    expect((await call(podRequest(port, "/api/v1/pods"))).status).toBe(200);
    expect((await call(podRequest(port, "/api/v1/pods"))).status).toBe(200);
    expect(cp.requests).toHaveLength(3);
  });

  it("refuses a path that climbs out of the prefix without asking the control plane", async () => {
    const { cp, port: cpPort } = await controlPlane();
    const { port } = await startProxy(`https://127.0.0.1:${cpPort}${PREFIX}`);
    const answer = await call(podRequest(port, "/api/../../other/api/v1/secrets"));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
    expect(cp.requests).toHaveLength(0);
  });

  it("presents a certificate for kubernetes.default.svc, and only names it carries", async () => {
    const { port: cpPort } = await controlPlane();
    const { port } = await startProxy(`https://127.0.0.1:${cpPort}`);
    expect((await call(podRequest(port, "/version"))).status).toBe(200);
    await expect(call(podRequest(port, "/version", { servername: "wrong.example" }))).rejects.toMatchObject({
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
  });

  it("setCertificate serves the new pair to new connections and keeps open ones", async () => {
    const { port: cpPort } = await controlPlane();
    const { proxy, port } = await startProxy(`https://127.0.0.1:${cpPort}`);
    const serial1 = new X509Certificate(podCert.certPem).serialNumber;
    const serial2 = new X509Certificate(podCert2.certPem).serialNumber;

    const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => keepAlive.destroy());
    const before = await call(podRequest(port, "/version", { agent: keepAlive }));
    expect(before.peerSerial).toBe(serial1);

    proxy.setCertificate(podCert2.certPem, podCert2.keyPem);
    const req = https.request(podRequest(port, "/version", { agent: keepAlive }));
    req.end();
    const [res] = (await once(req, "response")) as [http.IncomingMessage];
    res.resume();
    expect(req.reusedSocket).toBe(true);
    expect(res.statusCode).toBe(200);

    const fresh = await call(podRequest(port, "/version"));
    expect(fresh.peerSerial).toBe(serial2);

    // A key that is not the certificate's is refused, and the current pair stays.
    expect(() => proxy.setCertificate(podCert.certPem, podCert2.keyPem)).toThrow();
    expect((await call(podRequest(port, "/version"))).peerSerial).toBe(serial2);
  });
});

afterAll(() => {
  expect(cleanups).toHaveLength(0);
});
