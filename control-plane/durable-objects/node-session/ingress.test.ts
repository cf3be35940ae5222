// Ingress at the edge inside workerd, with a scripted agent on the node's ingress link: a request
// for a host under the ingress domain is routed by the edge router (from the table the store
// pushed) to the endpoint's node object, which streams it over the link under the agent's credit
// and streams the answer back; 404/413/502/503/504 as a reverse proxy says them; WebSockets
// relayed; LoadBalancer Services get a hostname that routes; the local Ingress entrypoint serves
// hosts outside the domain, which the API's own entry never does.

import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  decodeFrame,
  encodeFrame,
  FrameType,
  INGRESS_CHUNK,
  INGRESS_WINDOW,
  type IngressFrame,
  type OpenPayload,
} from "../../../schemas/agent/ingress-link.ts";
import { call, clusterWithNode, pollUntil } from "./testing.ts";

let seq = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${++seq}`;

/** The agent's end of the ingress link, scripted per test. */
class FakeAgent {
  readonly frames: IngressFrame[] = [];
  readonly ws: WebSocket;
  onFrame: (f: IngressFrame) => void = () => {};
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.accept();
    ws.addEventListener("message", (e) => {
      const f = decodeFrame(new Uint8Array(e.data as ArrayBuffer));
      if (!f)
        throw new Error(
          `the node object sent a malformed frame: ${typeof e.data} ${String(e.data).slice(0, 200)} ${new Uint8Array(e.data as ArrayBuffer).slice(0, 40).join(",")}`,
        );
      this.frames.push(f);
      this.onFrame(f);
    });
  }
  send(f: IngressFrame): void {
    this.ws.send(encodeFrame(f));
  }
  opens(): OpenPayload[] {
    return this.frames.flatMap((f) => (f.type === FrameType.OPEN ? [f.open] : []));
  }
  /** Answers every request with `status` and `body`, in one HEAD that carries the body and ends it. */
  answer(status: number, body: string, headers: [string, string][] = []): void {
    this.onFrame = (f) => {
      if (f.type !== FrameType.OPEN) return;
      const data = new TextEncoder().encode(body);
      this.send({ type: FrameType.HEAD, stream: f.stream, head: { status, headers, end: true }, data });
    };
  }
}

async function post(c: string, path: string, body: object): Promise<void> {
  const r = await call(`${c}${path}`, { method: "POST", body: JSON.stringify(body) });
  expect(r.status, await r.clone().text()).toBe(201);
}

/** A selector-less Service with one hand-written slice, so the test decides its endpoints. */
async function service(
  c: string,
  name: string,
  endpoints: { ip: string; ready: boolean }[],
  type = "ClusterIP",
): Promise<void> {
  await post(c, "/api/v1/namespaces/default/services", {
    metadata: { name },
    spec: { type, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
  });
  await post(c, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", {
    metadata: { name: `${name}-1`, labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4",
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready }, nodeName: "pi-1" })),
  });
}

async function ingress(c: string, host: string, svc: string): Promise<void> {
  await post(c, "/apis/networking.k8s.io/v1/namespaces/default/ingresses", {
    metadata: { name: unique("ing") },
    spec: {
      rules: [
        {
          host,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: svc, port: { name: "http" } } } }],
          },
        },
      ],
    },
  });
}

async function linkAgent(c: string, credential: string): Promise<FakeAgent> {
  const r = await call(`${c}/kflare/v1/nodes/pi-1/ingress`, { token: credential, headers: { upgrade: "websocket" } });
  expect(r.status).toBe(101);
  return new FakeAgent(r.webSocket!);
}

/** A routed host: cluster, node linked, Service `web` with one ready endpoint, an Ingress for it. */
async function routedHost(): Promise<{ c: string; credential: string; host: string; agent: FakeAgent }> {
  const { c, credential } = await clusterWithNode();
  const agent = await linkAgent(c, credential);
  const host = `${unique("h")}.apps.test`;
  await service(c, "web", [{ ip: "10.42.0.5", ready: true }]);
  await ingress(c, host, "web");
  // The store pushes its table to the router shortly after the commit; the probes get a 204.
  agent.answer(204, "");
  await waitForRoute(host);
  return { c, credential, host, agent };
}

async function waitForRoute(host: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await exports.default.fetch(new Request(`https://${host}/__probe`, { method: "HEAD" }));
    await r.body?.cancel();
    if (r.status !== 404) return;
    if (Date.now() > deadline) throw new Error(`no route for ${host} after 5 s`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

const edge = (url: string, init?: RequestInit) => exports.default.fetch(new Request(url, init));

describe("Ingress at the edge", () => {
  it("routes a host under the domain to the endpoint's node, forwarding the request and streaming the answer", async () => {
    const { host, agent } = await routedHost();
    agent.answer(200, "hello from the pod", [
      ["content-type", "text/plain"],
      ["x-pod", "web-1"],
    ]);
    const r = await edge(`https://${host}/shop/cart?item=3`, {
      headers: { "x-user": "ada", "keep-alive": "timeout=5" },
    });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("hello from the pod");
    expect(r.headers.get("x-pod")).toBe("web-1");
    const open = agent.opens().at(-1)!;
    // A GET has no body: its OPEN says so, and no END follows.
    expect(open).toMatchObject({ ip: "10.42.0.5", port: 8080, method: "GET", path: "/shop/cart?item=3", end: true });
    const headers = new Map(open.headers);
    expect(headers.get("x-user")).toBe("ada");
    expect(headers.get("x-forwarded-host")).toBe(host);
    expect(headers.get("x-forwarded-proto")).toBe("https");
    expect(headers.has("keep-alive")).toBe(false);
    expect(headers.has("x-kflare-ingress-target")).toBe(false);
  });

  it("streams a large response, crediting the agent only as the client reads", async () => {
    const { host, agent } = await routedHost();
    const total = 4 * 1024 * 1024;
    let credit = INGRESS_WINDOW;
    let sent = 0;
    let stream = 0;
    const pump = () => {
      while (sent < total && credit > 0) {
        const n = Math.min(INGRESS_CHUNK, credit, total - sent);
        const chunk = new Uint8Array(n).map((_, i) => (sent + i) % 251);
        agent.send({ type: FrameType.DATA, stream, data: chunk });
        sent += n;
        credit -= n;
      }
      if (sent === total) agent.send({ type: FrameType.END, stream });
    };
    agent.onFrame = (f) => {
      if (f.type === FrameType.OPEN) {
        stream = f.stream;
        agent.send({ type: FrameType.HEAD, stream, head: { status: 200, headers: [] } });
        pump();
      } else if (f.type === FrameType.CREDIT) {
        credit += f.bytes;
        pump();
      }
    };
    const r = await edge(`https://${host}/big`);
    expect(r.status).toBe(200);
    const body = new Uint8Array(await r.arrayBuffer());
    expect(body.byteLength).toBe(total);
    expect(body.every((b, i) => b === i % 251)).toBe(true);
    const credited = agent.frames
      .filter((f) => f.type === FrameType.CREDIT)
      .reduce((n, f) => n + ("bytes" in f ? f.bytes : 0), 0);
    expect(credited).toBeGreaterThanOrEqual(total - INGRESS_WINDOW);
  });

  it("sends a request body no faster than the agent's credit allows", async () => {
    const { host, agent } = await routedHost();
    const size = 800 * 1024;
    let granted = INGRESS_WINDOW;
    let received = 0;
    let overrun = false;
    agent.onFrame = (f) => {
      if (f.type === FrameType.DATA) {
        received += f.data.byteLength;
        if (received > granted) overrun = true;
        // Grant in small steps, only once the window is used up.
        if (received === granted) {
          granted += INGRESS_CHUNK;
          agent.send({ type: FrameType.CREDIT, stream: f.stream, bytes: INGRESS_CHUNK });
        }
      } else if (f.type === FrameType.END) {
        agent.send({ type: FrameType.HEAD, stream: f.stream, head: { status: 201, headers: [] } });
        agent.send({ type: FrameType.DATA, stream: f.stream, data: new TextEncoder().encode(`got ${received}`) });
        agent.send({ type: FrameType.END, stream: f.stream });
      }
    };
    const r = await edge(`https://${host}/upload`, { method: "POST", body: new Uint8Array(size).fill(7) });
    expect(await r.text()).toBe(`got ${size}`);
    expect(r.status).toBe(201);
    expect(overrun).toBe(false);
  });

  it("refuses a body over the limit with 413, declared or streamed, and tells the agent", async () => {
    const { host, agent } = await routedHost();
    agent.onFrame = (f) => {
      if (f.type === FrameType.DATA) agent.send({ type: FrameType.CREDIT, stream: f.stream, bytes: f.data.byteLength });
    };
    const opened = agent.opens().length;
    const declared = await edge(`https://${host}/upload`, { method: "POST", body: new Uint8Array(2 * 1024 * 1024) });
    expect(declared.status).toBe(413);
    expect(await declared.text()).toMatch(/^413 Content Too Large: the request body is larger than 1048576 bytes/);
    expect(agent.opens()).toHaveLength(opened);

    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(64 * 1024));
        controller.close();
      },
    });
    const streamed = await edge(`https://${host}/upload`, { method: "POST", body: chunks });
    expect(streamed.status).toBe(413);
    await streamed.body?.cancel();
    await pollUntil("the agent's RESET", () =>
      agent.frames.find((f) => f.type === FrameType.RESET && f.reset.status === 413),
    );
  });

  it("answers 502 when the pod fails and 504 when nothing answers in time", async () => {
    const { host, agent } = await routedHost();
    agent.onFrame = (f) => {
      if (f.type === FrameType.OPEN && f.open.path === "/refused")
        agent.send({
          type: FrameType.RESET,
          stream: f.stream,
          reset: { status: 502, message: "the pod at 10.42.0.5:8080 refused the connection (ECONNREFUSED)" },
        });
    };
    const refused = await edge(`https://${host}/refused`);
    expect(refused.status).toBe(502);
    expect(await refused.text()).toBe(
      "502 Bad Gateway: the pod at 10.42.0.5:8080 refused the connection (ECONNREFUSED)\n",
    );
    // The agent stays silent: the node object gives up after the timeout (1 s here) and its grace.
    const silent = await edge(`https://${host}/silent`);
    expect(silent.status).toBe(504);
    expect(await silent.text()).toMatch(/did not answer in time/);
  });

  it("answers 503 when no endpoint is ready, the Service is missing, or the node is not linked; 404 for unknown hosts", async () => {
    const { c } = await clusterWithNode();
    const notReady = `${unique("nr")}.apps.test`;
    const missing = `${unique("ms")}.apps.test`;
    const offline = `${unique("off")}.apps.test`;
    await service(c, "starting", [{ ip: "10.42.0.6", ready: false }]);
    await ingress(c, notReady, "starting");
    await ingress(c, missing, "nothing-here");
    await service(c, "web", [{ ip: "10.42.0.7", ready: true }]);
    await ingress(c, offline, "web");
    await waitForRoute(notReady);
    await waitForRoute(missing);
    await waitForRoute(offline);

    const r1 = await edge(`https://${notReady}/`);
    expect(r1.status).toBe(503);
    expect(await r1.text()).toBe("503 Service Unavailable: Service default/starting has no ready endpoints\n");
    const r2 = await edge(`https://${missing}/`);
    expect(r2.status).toBe(503);
    expect(await r2.text()).toMatch(/Service default\/nothing-here does not exist/);
    // No agent has linked node pi-1 of this cluster.
    const r3 = await edge(`https://${offline}/`);
    expect(r3.status).toBe(503);
    expect(await r3.text()).toMatch(/node pi-1 is not connected/);
    const r4 = await edge(`https://${unique("nobody")}.apps.test/x`);
    expect(r4.status).toBe(404);
    expect(await r4.text()).toMatch(/^404 Not Found: no Ingress serves host/);
  });

  it("relays a WebSocket between the client and the pod", async () => {
    const { host, agent } = await routedHost();
    agent.onFrame = (f) => {
      if (f.type === FrameType.OPEN && f.open.upgrade) {
        expect(f.open.protocols).toEqual(["chat"]);
        agent.send({ type: FrameType.HEAD, stream: f.stream, head: { status: 101, headers: [], protocol: "chat" } });
      } else if (f.type === FrameType.MESSAGE) {
        agent.send({ type: FrameType.MESSAGE, stream: f.stream, text: f.text, data: f.data });
      }
    };
    const r = await edge(`https://${host}/ws`, { headers: { upgrade: "websocket", "sec-websocket-protocol": "chat" } });
    expect(r.status).toBe(101);
    expect(r.headers.get("sec-websocket-protocol")).toBe("chat");
    const ws = r.webSocket!;
    const got: (string | number)[] = [];
    ws.binaryType = "arraybuffer";
    ws.accept();
    ws.addEventListener("message", (e) =>
      got.push(typeof e.data === "string" ? e.data : (e.data as ArrayBuffer).byteLength),
    );
    ws.send("hi");
    ws.send(new Uint8Array(3));
    await pollUntil("both echoes", () => (got.length === 2 ? true : undefined));
    expect(got).toEqual(["hi", 3]);
    ws.close(1000, "done");
    const close = await pollUntil("the agent's CLOSE", () => agent.frames.find((f) => f.type === FrameType.CLOSE));
    expect(close).toMatchObject({ close: { code: 1000, reason: "done" } });
  });

  it("gives a LoadBalancer Service a hostname under the domain that routes to it", async () => {
    const { c, credential } = await clusterWithNode();
    const agent = await linkAgent(c, credential);
    agent.answer(200, "from the load balancer");
    const name = unique("lb");
    await service(c, name, [{ ip: "10.42.0.9", ready: true }], "LoadBalancer");
    const hostname = `${name}-default.apps.test`;
    const deadline = Date.now() + 5000;
    for (;;) {
      const svc = (await (await call(`${c}/api/v1/namespaces/default/services/${name}`)).json()) as {
        status?: { loadBalancer?: { ingress?: { hostname?: string }[] } };
      };
      if (svc.status?.loadBalancer?.ingress?.[0]?.hostname === hostname) break;
      if (Date.now() > deadline) throw new Error(`no hostname on Service ${name}: ${JSON.stringify(svc.status)}`);
      await new Promise((res) => setTimeout(res, 20));
    }
    await waitForRoute(hostname);
    const r = await edge(`https://${hostname}/`);
    expect(await r.text()).toBe("from the load balancer");
    expect(agent.opens().at(-1)).toMatchObject({ ip: "10.42.0.9", port: 8080 });
  });

  it("serves any Ingress host on the local Ingress entrypoint, while the API entry keeps hosts outside the domain", async () => {
    const { c, credential } = await clusterWithNode();
    const agent = await linkAgent(c, credential);
    agent.answer(200, "local");
    const host = `${unique("web")}.example`;
    await service(c, "web", [{ ip: "10.42.0.5", ready: true }]);
    await ingress(c, host, "web");
    const local = (path: string) => exports.IngressEntrypoint.fetch(new Request(`http://${host}${path}`));
    const deadline = Date.now() + 5000;
    let r = await local("/");
    while (r.status === 404 && Date.now() < deadline) {
      await r.body?.cancel();
      await new Promise((res) => setTimeout(res, 20));
      r = await local("/");
    }
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("local");
    expect(new Map(agent.opens().at(-1)!.headers).get("x-forwarded-proto")).toBe("http");
    // The same host on the Worker's main entry is not Ingress traffic: the API answers (unauthenticated).
    const api = await edge(`https://${host}/`);
    expect(api.headers.get("content-type")).toMatch(/application\/json/);
    expect(((await api.json()) as { kind: string }).kind).toBe("Status");
  });

  it("never proxies a request that merely carries the internal target header", async () => {
    const { c, credential } = await clusterWithNode();
    const agent = await linkAgent(c, credential);
    const target = JSON.stringify({
      node: "pi-1",
      ip: "10.0.0.1",
      port: 22,
      path: "/",
      timeoutMs: 1000,
      maxBodyBytes: 1,
    });
    // The node's own session endpoint, with the header the Worker uses internally: still a session.
    const r = await call(`${c}/kflare/v1/nodes/pi-1/session`, {
      token: credential,
      headers: { upgrade: "websocket", "x-kflare-ingress-target": target },
    });
    expect(r.status).toBe(101);
    r.webSocket!.accept();
    r.webSocket!.close(1000);
    expect(agent.opens()).toEqual([]);
  });

  it("frees a deleted cluster's hosts", async () => {
    const { c, host } = await routedHost();
    expect((await call(`/kflare/v1/clusters/${c.slice("/clusters/".length)}`, { method: "DELETE" })).status).toBe(200);
    const r = await edge(`https://${host}/`);
    expect(r.status).toBe(404);
    expect(await r.text()).toMatch(/^404 Not Found: no Ingress serves host/);
  });
});
