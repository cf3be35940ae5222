// kubectl exec and attach inside workerd, with a scripted agent: the Worker's checks (container,
// phase, node, WebAssembly pods, SPDY-only clients, subprotocols), and a session bridged through
// the node's Durable Object between a client WebSocket (v5.channel.k8s.io) and the agent's data
// socket: early stdin kept in order, output, the close signal, the final Status, refusals.

import { describe, expect, it } from "vitest";
import { call, clusterWithNode, hello, pollUntil } from "./testing.ts";

const V5 = "v5.channel.k8s.io";

/** The scripted agent's control socket: records the frames the node's Durable Object sends. */
class ControlSocket {
  readonly frames: { type: string; [k: string]: unknown }[] = [];
  readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.accept();
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string" && e.data !== "pong") this.frames.push(JSON.parse(e.data));
    });
  }
  waitFor(type: string, match: (f: { [k: string]: unknown }) => boolean = () => true) {
    return pollUntil(type, () => this.frames.find((f) => f.type === type && match(f)));
  }
}

/** Every message a socket received (binary as bytes), and whether it closed. */
class Recorder {
  readonly messages: (string | Uint8Array)[] = [];
  closed = false;
  readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.accept();
    ws.addEventListener("message", (e) =>
      this.messages.push(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer)),
    );
    ws.addEventListener("close", () => {
      this.closed = true;
    });
  }
  binary(): Uint8Array[] {
    return this.messages.filter((m): m is Uint8Array => typeof m !== "string");
  }
}

async function connectAgent(c: string, credential: string): Promise<ControlSocket> {
  const r = await call(`${c}/kflare/v1/nodes/pi-1/session`, { token: credential, headers: { upgrade: "websocket" } });
  const agent = new ControlSocket(r.webSocket!);
  agent.ws.send(hello());
  await agent.waitFor("welcome");
  return agent;
}

async function dataSocket(c: string, credential: string, id: string): Promise<Recorder> {
  const r = await call(`${c}/kflare/v1/nodes/pi-1/streams/${id}`, {
    token: credential,
    headers: { upgrade: "websocket" },
  });
  expect(r.status).toBe(101);
  return new Recorder(r.webSocket!);
}

async function createPod(c: string, name: string, spec: Record<string, unknown>): Promise<void> {
  const r = await call(`${c}/api/v1/namespaces/default/pods`, {
    method: "POST",
    body: JSON.stringify({ metadata: { name }, spec: { containers: [{ name: "c", image: "x" }], ...spec } }),
  });
  expect(r.status).toBe(201);
}

const frame = (channel: number, text = "") => new Uint8Array([channel, ...new TextEncoder().encode(text)]);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes.subarray(1));

function exec(c: string, pod: string, query: string, headers: Record<string, string> = {}, method = "GET") {
  return call(`${c}/api/v1/namespaces/default/pods/${pod}/exec?${query}`, {
    method,
    headers: { upgrade: "websocket", "sec-websocket-protocol": V5, ...headers },
  });
}

async function statusOf(r: Response): Promise<{ code: number; message: string }> {
  expect(r.headers.get("content-type")).toContain("application/json");
  return (await r.json()) as { code: number; message: string };
}

describe("kubectl exec through the node's Durable Object", () => {
  it("bridges a v5.channel.k8s.io session to the agent's data socket", async () => {
    const { c, credential } = await clusterWithNode();
    const agent = await connectAgent(c, credential);
    await createPod(c, "web", { nodeName: "pi-1" });
    const r = await exec(
      c,
      "web",
      "command=sh&command=-c&command=cat%3B%20exit%203&container=c&stdin=true&stdout=true&stderr=true",
    );
    expect(r.status).toBe(101);
    expect(r.headers.get("sec-websocket-protocol")).toBe(V5);
    const client = new Recorder(r.webSocket!);
    // stdin before the node has even dialled: it waits, in order.
    client.ws.send(frame(0, "hi "));
    const open = await agent.waitFor("openStream");
    expect(open).toMatchObject({
      kind: "exec",
      pod: "web",
      container: "c",
      command: ["sh", "-c", "cat; exit 3"],
      stdin: true,
      stdout: true,
      stderr: true,
      tty: false,
    });
    const data = await dataSocket(c, credential, String(open.id));
    client.ws.send(frame(0, "there"));
    data.ws.send(JSON.stringify({ ok: true }));
    await pollUntil("stdin at the agent", () => (data.binary().length >= 2 ? true : undefined));
    expect(data.binary().map(text)).toEqual(["hi ", "there"]);
    client.ws.send(new Uint8Array([255, 0]));
    await pollUntil("close signal", () => (data.binary().length >= 3 ? true : undefined));
    expect([...data.binary()[2]!]).toEqual([255, 0]);
    data.ws.send(frame(1, "hi there"));
    const failure = {
      metadata: {},
      status: "Failure",
      message: "command terminated with non-zero exit code: exit status 3",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    };
    data.ws.send(frame(3, JSON.stringify(failure)));
    data.ws.close(1000, "");
    await pollUntil("client closed", () => (client.closed ? true : undefined));
    const got = client.binary();
    expect(got.map((b) => b[0])).toEqual([1, 3]);
    expect(text(got[0]!)).toBe("hi there");
    expect(JSON.parse(text(got[1]!))).toEqual(failure);
    agent.ws.close(1000, "bye");
  });

  it("passes on why the node could not open the session, and says when the node is offline", async () => {
    const { c, credential } = await clusterWithNode();
    await createPod(c, "web", { nodeName: "pi-1" });
    const offline = new Recorder((await exec(c, "web", "command=ls&stdout=true")).webSocket!);
    await pollUntil("offline status", () => (offline.closed ? true : undefined));
    const status = JSON.parse(text(offline.binary()[0]!));
    expect(status).toMatchObject({
      status: "Failure",
      code: 503,
      message: 'node "pi-1" is not connected: its agent is offline or unreachable',
    });

    const agent = await connectAgent(c, credential);
    const client = new Recorder((await exec(c, "web", "command=ls&stdout=true")).webSocket!);
    const open = await agent.waitFor("openStream");
    const data = await dataSocket(c, credential, String(open.id));
    data.ws.send(
      JSON.stringify({ status: { code: 404, reason: "NotFound", message: 'container not found ("c") in pod web' } }),
    );
    await pollUntil("refusal", () => (client.closed ? true : undefined));
    expect(JSON.parse(text(client.binary()[0]!))).toMatchObject({
      status: "Failure",
      reason: "NotFound",
      message: 'container not found ("c") in pod web',
    });
    agent.ws.close(1000, "bye");
  });

  it("checks the request as kube-apiserver does before any upgrade", async () => {
    const { c, credential } = await clusterWithNode();
    await createPod(c, "web", { nodeName: "pi-1" });
    await createPod(c, "loose", {});
    await createPod(c, "two", {
      nodeName: "pi-1",
      containers: [
        { name: "a", image: "x" },
        { name: "b", image: "x" },
      ],
    });
    await createPod(c, "wasm", { nodeName: "pi-1", runtimeClassName: "wasm" });
    await createPod(c, "done", { nodeName: "pi-1" });
    await call(`${c}/api/v1/namespaces/default/pods/done/status`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ status: { phase: "Succeeded" } }),
    });
    const refused = async (r: Response) => {
      expect(r.status).toBe(400);
      return (await statusOf(r)).message;
    };
    expect(await refused(await exec(c, "web", "command=ls&container=nope&stdout=true"))).toBe(
      "container nope is not valid for pod web",
    );
    expect(await refused(await exec(c, "two", "command=ls&stdout=true"))).toBe(
      "a container name must be specified for pod two, choose one of: [a b]",
    );
    expect(await refused(await exec(c, "web", "stdout=true"))).toBe(
      "you must specify at least one command for the container",
    );
    expect(await refused(await exec(c, "web", "command=ls"))).toBe(
      "you must specify at least 1 of stdin, stdout, stderr",
    );
    expect(await refused(await exec(c, "done", "command=ls&stdout=true"))).toBe(
      "cannot exec into a container in a completed pod; current phase is Succeeded",
    );
    expect(await refused(await exec(c, "loose", "command=ls&stdout=true"))).toBe(
      "pod loose does not have a host assigned",
    );
    expect(await refused(await exec(c, "wasm", "command=ls&stdout=true"))).toContain(
      "exec is not supported for WebAssembly pods",
    );
    expect(
      await refused(
        await exec(c, "web", "command=ls&stdout=true", { "sec-websocket-protocol": "base64.channel.k8s.io" }),
      ),
    ).toContain("unsupported WebSocket subprotocol");
    expect(await refused(await exec(c, "web", "command=ls&stdout=true", { upgrade: "" }))).toBe(
      "Upgrade request required",
    );
    // An old client (or kubectl's fallback) asking for SPDY: the same checks first, then why not.
    const spdy = { upgrade: "SPDY/3.1", "x-stream-protocol-version": "v4.channel.k8s.io" };
    expect(await refused(await exec(c, "web", "command=ls&container=nope&stdout=true", spdy, "POST"))).toBe(
      "container nope is not valid for pod web",
    );
    expect(await refused(await exec(c, "web", "command=ls&stdout=true", spdy, "POST"))).toContain(
      "use kubectl 1.30 or newer",
    );
    // attach: the same path, no command needed.
    expect(
      await refused(
        await call(`${c}/api/v1/namespaces/default/pods/done/attach?stdout=true`, {
          headers: { upgrade: "websocket" },
        }),
      ),
    ).toBe("cannot attach to a container in a completed pod; current phase is Succeeded");
    // v4.channel.k8s.io is spoken too; a node credential may not exec at all.
    const v4 = await exec(c, "web", "command=ls&stdout=true", { "sec-websocket-protocol": "v4.channel.k8s.io" });
    expect(v4.status).toBe(101);
    expect(v4.headers.get("sec-websocket-protocol")).toBe("v4.channel.k8s.io");
    // The node is offline here: the session ends at once with a Status saying so.
    const v4client = new Recorder(v4.webSocket!);
    await pollUntil("v4 session ended", () => (v4client.closed ? true : undefined));
    expect(JSON.parse(text(v4client.binary()[0]!))).toMatchObject({ code: 503 });
    const asNode = await call(`${c}/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true`, {
      token: credential,
      headers: { upgrade: "websocket", "sec-websocket-protocol": V5 },
    });
    expect(asNode.status).toBe(403);
  });
});
