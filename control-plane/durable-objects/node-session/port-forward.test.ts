// kubectl port-forward inside workerd, with a scripted agent: the Worker's checks (node, phase,
// WebAssembly pods, SPDY-only clients, subprotocol, node credentials), an offline node refused
// before the upgrade, and a session whose binary messages (kubectl's SPDY byte stream) pass
// through the node's Durable Object to the agent's data socket and back unchanged, early bytes kept
// in order; a refusal from the agent closes kubectl's socket with its reason.

import { describe, expect, it } from "vitest";
import { ADMIN, call, clusterWithNode, hello, pollUntil } from "./testing.ts";

const PF = "SPDY/3.1+portforward.k8s.io";

/** A socket's messages (binary as bytes), and its close code and reason once closed. */
class Recorder {
  readonly messages: (string | Uint8Array)[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.accept();
    ws.addEventListener("message", (e) => {
      this.messages.push(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
    });
  }
  text(): string[] {
    return this.messages.filter((m): m is string => typeof m === "string");
  }
  bytes(): string {
    return this.messages
      .filter((m): m is Uint8Array => typeof m !== "string")
      .map((m) => new TextDecoder().decode(m))
      .join("");
  }
}

async function connectAgent(c: string, credential: string): Promise<Recorder> {
  const r = await call(`${c}/kflare/v1/nodes/pi-1/session`, { token: credential, headers: { upgrade: "websocket" } });
  const agent = new Recorder(r.webSocket!);
  agent.ws.send(hello());
  await pollUntil("welcome", () => (agent.text().some((t) => t.includes('"welcome"')) ? true : undefined));
  return agent;
}

function frameOf(agent: Recorder, type: string): Record<string, unknown> | undefined {
  for (const t of agent.text()) {
    if (t === "pong") continue;
    const f = JSON.parse(t) as Record<string, unknown>;
    if (f.type === type) return f;
  }
  return undefined;
}

async function createPod(c: string, name: string, spec: Record<string, unknown>, phase?: string): Promise<void> {
  const r = await call(`${c}/api/v1/namespaces/default/pods`, {
    method: "POST",
    body: JSON.stringify({ metadata: { name }, spec: { containers: [{ name: "c", image: "x" }], ...spec } }),
  });
  expect(r.status).toBe(201);
  if (phase)
    await call(`${c}/api/v1/namespaces/default/pods/${name}/status`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ status: { phase } }),
    });
}

function portForward(c: string, pod: string, headers: Record<string, string> = {}, method = "GET", token = ADMIN) {
  return call(`${c}/api/v1/namespaces/default/pods/${pod}/portforward`, {
    method,
    token,
    headers: { upgrade: "websocket", "sec-websocket-protocol": PF, ...headers },
  });
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("kubectl port-forward through the node's Durable Object", () => {
  it("relays kubectl's SPDY byte stream to the agent's data socket and back, unchanged", async () => {
    const { c, credential } = await clusterWithNode();
    const agent = await connectAgent(c, credential);
    await createPod(c, "web", { nodeName: "pi-1" }, "Running");
    const r = await portForward(c, "web");
    expect(r.status).toBe(101);
    expect(r.headers.get("sec-websocket-protocol")).toBe(PF);
    const client = new Recorder(r.webSocket!);
    // The first bytes kubectl writes arrive before the node has dialled: they wait, in order.
    client.ws.send(bytes("\x80\x03"));
    const open = await pollUntil("openStream", () => frameOf(agent, "openStream"));
    expect(open).toMatchObject({ kind: "portforward", namespace: "default", pod: "web" });
    expect(String(open.uid)).not.toBe("");
    const d = await call(`${c}/kflare/v1/nodes/pi-1/streams/${String(open.id)}`, {
      token: credential,
      headers: { upgrade: "websocket" },
    });
    expect(d.status).toBe(101);
    const data = new Recorder(d.webSocket!);
    client.ws.send(bytes("\x00\x01rest"));
    data.ws.send(JSON.stringify({ ok: true }));
    await pollUntil("kubectl's bytes at the agent", () => (data.bytes() === "\x80\x03\x00\x01rest" ? true : undefined));
    data.ws.send(bytes("reply"));
    await pollUntil("the agent's bytes at kubectl", () => (client.bytes() === "reply" ? true : undefined));
    data.ws.close(1000, "");
    await pollUntil("kubectl's socket closed", () => client.closed);
    agent.ws.close(1000, "bye");
  });

  it("closes kubectl's socket with the agent's reason when the node refuses", async () => {
    const { c, credential } = await clusterWithNode();
    const agent = await connectAgent(c, credential);
    await createPod(c, "web", { nodeName: "pi-1" }, "Running");
    const client = new Recorder((await portForward(c, "web")).webSocket!);
    const open = await pollUntil("openStream", () => frameOf(agent, "openStream"));
    const d = await call(`${c}/kflare/v1/nodes/pi-1/streams/${String(open.id)}`, {
      token: credential,
      headers: { upgrade: "websocket" },
    });
    const data = new Recorder(d.webSocket!);
    data.ws.send(
      JSON.stringify({ status: { code: 404, reason: "NotFound", message: "pod web is not running on this node" } }),
    );
    const closed = await pollUntil("kubectl's socket closed", () => client.closed);
    expect(closed).toEqual({ code: 1011, reason: "pod web is not running on this node" });
    agent.ws.close(1000, "bye");
  });

  it("checks the pod and the request before any upgrade", async () => {
    const { c, credential } = await clusterWithNode();
    await createPod(c, "web", { nodeName: "pi-1" }, "Running");
    await createPod(c, "pending", { nodeName: "pi-1" });
    await createPod(c, "done", { nodeName: "pi-1" }, "Succeeded");
    await createPod(c, "loose", {});
    await createPod(c, "wasm", { nodeName: "pi-1", runtimeClassName: "wasm" }, "Running");
    const refused = async (r: Response, status = 400) => {
      expect(r.status).toBe(status);
      expect(r.headers.get("content-type")).toContain("application/json");
      return ((await r.json()) as { message: string }).message;
    };
    expect(await refused(await portForward(c, "pending"))).toBe(
      "unable to forward port because pod is not running. Current status=Pending",
    );
    expect(await refused(await portForward(c, "done"))).toBe(
      "unable to forward port because pod is not running. Current status=Succeeded",
    );
    expect(await refused(await portForward(c, "loose"))).toBe("pod loose does not have a host assigned");
    expect(await refused(await portForward(c, "nope"), 404)).toContain('pods "nope" not found');
    expect(await refused(await portForward(c, "web", { "sec-websocket-protocol": "v5.channel.k8s.io" }))).toContain(
      "port-forward speaks SPDY/3.1+portforward.k8s.io",
    );
    expect(await refused(await portForward(c, "web", { upgrade: "" }))).toBe("Upgrade request required");
    const spdy = { upgrade: "SPDY/3.1", "x-stream-protocol-version": "portforward.k8s.io" };
    expect(await refused(await portForward(c, "web", spdy, "POST"))).toContain("use kubectl 1.30 or newer");
    // The node is offline: said before the upgrade (port-forward has no status channel).
    expect(await refused(await portForward(c, "web"), 503)).toBe(
      'node "pi-1" is not connected: its agent is offline or unreachable',
    );
    // A WebAssembly pod passes the checks as any other (it serves on its pod IP).
    expect(await refused(await portForward(c, "wasm"), 503)).toBe(
      'node "pi-1" is not connected: its agent is offline or unreachable',
    );
    expect((await portForward(c, "web", {}, "GET", credential)).status).toBe(403);
  });
});
