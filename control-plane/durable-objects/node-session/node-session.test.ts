// The node link inside workerd, with a scripted agent: join with a bootstrap token, hello, the
// assignment push, status reports with the node's rights only, lease renewal, and a log stream.

import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../../../schemas/agent/protocol.ts";
import { CLOSE_REVOKED } from "./node-session.ts";
import { call, clusterWithToken, hello, join, pollUntil } from "./testing.ts";

class Agent {
  readonly frames: { type: string; [k: string]: unknown }[] = [];
  readonly ws: WebSocket;
  /** How the control plane closed the link, once it has. */
  closed: { code: number; reason: string } | undefined;
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.accept();
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string" && e.data !== "pong") this.frames.push(JSON.parse(e.data));
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
    });
  }
  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }
  async waitFor(
    type: string,
    count = 1,
    ms = 5000,
    match: (f: { type: string; [k: string]: unknown }) => boolean = () => true,
  ): Promise<{ type: string; [k: string]: unknown }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.filter((f) => f.type === type && match(f));
      if (found.length >= count) return found[count - 1]!;
      if (Date.now() > deadline)
        throw new Error(`no ${type} frame #${count}; got ${JSON.stringify(this.frames.map((f) => f.type))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function connect(c: string, node: string, credential: string, path = "session"): Promise<WebSocket> {
  const r = await call(`${c}/kflare/v1/nodes/${node}/${path}`, {
    token: credential,
    headers: { upgrade: "websocket" },
  });
  expect(r.status).toBe(101);
  return r.webSocket!;
}

const nodeStatus = {
  capacity: { cpu: "4", memory: "8Gi", pods: "110" },
  allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
  conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "ready" }],
};

describe("joining", () => {
  it("exchanges a bootstrap token for a node credential once, and refuses bad tokens", async () => {
    const { c, token } = await clusterWithToken();
    const ok = await join(c, token, "pi-1");
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as { token: string; nodeName: string };
    expect(body.token.length).toBeGreaterThan(30);
    expect((await join(c, token, "pi-1")).status).toBe(409);
    const wrong = await join(c, "abcdef.ffffffffffffffff", "pi-2");
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toContain("secret is wrong");
    expect((await join(c, "nope", "pi-2")).status).toBe(400);
    const expired = await clusterWithToken(-1000);
    const late = await join(expired.c, expired.token, "pi-3");
    expect(((await late.json()) as { message: string }).message).toContain("expired");
  });
});

describe("the session", () => {
  it("registers the node, pushes its pods, takes its reports and streams logs", async () => {
    const { c, token } = await clusterWithToken();
    const { token: credential } = (await (await join(c, token, "pi-1")).json()) as { token: string };
    const agent = new Agent(await connect(c, "pi-1", credential));
    agent.ws.send(hello());
    expect(await agent.waitFor("welcome")).toMatchObject({ protocolVersion: PROTOCOL_VERSION });
    expect(await agent.waitFor("assignment")).toMatchObject({ pods: [], configMaps: [], secrets: [] });
    agent.send({ type: "nodeStatus", labels: { "kubernetes.io/hostname": "pi-1" }, status: nodeStatus });
    let node: { spec?: { podCIDR?: string } } = {};
    for (let i = 0; i < 100 && !node.spec?.podCIDR; i++) {
      node = (await (await call(`${c}/api/v1/nodes/pi-1`)).json()) as typeof node;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(node.spec?.podCIDR).toMatch(/^10\.42\.\d+\.0\/24$/);
    const lease = await call(`${c}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/pi-1`);
    expect(lease.status).toBe(200);

    // A pod bound to the node, with a ConfigMap it references, arrives as one assignment.
    await call(`${c}/api/v1/namespaces/default/configmaps`, {
      method: "POST",
      body: JSON.stringify({ metadata: { name: "cfg" }, data: { a: "1" } }),
    });
    await call(`${c}/api/v1/namespaces/default/pods`, {
      method: "POST",
      body: JSON.stringify({
        metadata: { name: "web" },
        spec: {
          nodeName: "pi-1",
          containers: [{ name: "c", image: "x", envFrom: [{ configMapRef: { name: "cfg" } }] }],
        },
      }),
    });
    const assignment = await agent.waitFor("assignment", 1, 5000, (f) => (f.pods as unknown[]).length > 0);
    expect((assignment.pods as { metadata: { name: string } }[]).map((p) => p.metadata.name)).toEqual(["web"]);
    expect((assignment.configMaps as { metadata: { name: string } }[]).map((p) => p.metadata.name)).toEqual([
      "cfg",
      // The pod's service-account volume projects the cluster CA.
      "kube-root-ca.crt",
    ]);
    const pod = (assignment.pods as { metadata: { uid: string }; status?: unknown }[])[0]!;
    expect(pod.status).toBeUndefined();

    // Its own pod's status: accepted. Another node's: refused.
    agent.send({
      type: "podStatus",
      namespace: "default",
      name: "web",
      uid: pod.metadata.uid,
      status: { phase: "Running" },
    });
    for (let i = 0; i < 100; i++) {
      const p = (await (await call(`${c}/api/v1/namespaces/default/pods/web`)).json()) as {
        status?: { phase?: string };
      };
      if (p.status?.phase === "Running") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(
      ((await (await call(`${c}/api/v1/namespaces/default/pods/web`)).json()) as { status: { phase: string } }).status
        .phase,
    ).toBe("Running");

    // The node credential through the REST API: its own things only.
    expect((await call(`${c}/api/v1/namespaces/default/pods/web`, { token: credential })).status).toBe(200);
    expect((await call(`${c}/api/v1/namespaces/default/configmaps/cfg`, { token: credential })).status).toBe(200);
    const denied = await call(`${c}/api/v1/namespaces/default/secrets`, { token: credential });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { message: string }).message).toContain(
      'User "system:node:pi-1" cannot list resource "secrets"',
    );
    expect((await call(`${c}/api/v1/pods`, { token: credential })).status).toBe(403);
    expect((await call(`${c}/api/v1/pods?fieldSelector=spec.nodeName%3Dpi-1`, { token: credential })).status).toBe(200);

    // kubectl logs: the node is asked to open a stream, dials a data socket, and the bytes flow.
    const logs = call(`${c}/api/v1/namespaces/default/pods/web/log?container=c`);
    const open = await agent.waitFor("openStream");
    expect(open).toMatchObject({ kind: "logs", pod: "web", container: "c", follow: false });
    const data = await connect(c, "pi-1", credential, `streams/${String(open.id)}`);
    data.accept();
    data.send(JSON.stringify({ ok: true }));
    data.send(new TextEncoder().encode("hello from the node\n"));
    data.close(1000, "done");
    const response = await logs;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("hello from the node\n");
    agent.ws.close(1000, "bye");
  });

  it("sends every node the cluster's Services and EndpointSlices, again when they change", async () => {
    const { c, token } = await clusterWithToken();
    const { token: credential } = (await (await join(c, token, "pi-1")).json()) as { token: string };
    const agent = new Agent(await connect(c, "pi-1", credential));
    agent.ws.send(hello());
    const first = await agent.waitFor("network");
    const names = (f: { [k: string]: unknown }) =>
      (f.services as { metadata: { namespace: string; name: string } }[]).map(
        (s) => `${s.metadata.namespace}/${s.metadata.name}`,
      );
    expect(names(first)).toContain("default/kubernetes");
    agent.send({
      type: "nodeStatus",
      labels: {},
      status: { ...nodeStatus, addresses: [{ type: "InternalIP", address: "192.168.1.20" }] },
    });
    // Once registered with a podCIDR and an address, the node is in every node's frame (pod routes).
    const routed = await agent.waitFor("network", 1, 5000, (f) => (f.nodes as unknown[] | undefined)?.length === 1);
    expect(routed.nodes).toEqual([
      { name: "pi-1", podCIDR: expect.stringMatching(/^10\.42\.\d+\.0\/24$/), address: "192.168.1.20" },
    ]);
    // A heartbeat-like status write (same podCIDR and address) sends no new frame.
    const framesBefore = agent.frames.filter((f) => f.type === "network").length;
    agent.send({
      type: "nodeStatus",
      labels: { touched: "yes" },
      status: { ...nodeStatus, addresses: [{ type: "InternalIP", address: "192.168.1.20" }] },
    });
    for (let i = 0; i < 100; i++) {
      const n = (await (await call(`${c}/api/v1/nodes/pi-1`)).json()) as {
        metadata: { labels?: Record<string, string> };
      };
      if (n.metadata.labels?.touched === "yes") break;
      await new Promise((r) => setTimeout(r, 20));
    }

    await call(`${c}/api/v1/namespaces/default/services`, {
      method: "POST",
      body: JSON.stringify({
        metadata: { name: "web-app" },
        spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
      }),
    });
    // The Service, then its placeholder slice from the EndpointSlice controller.
    const withSlice = await agent.waitFor("network", 1, 5000, (f) =>
      (f.endpointSlices as { metadata: { labels?: Record<string, string> } }[]).some(
        (s) => s.metadata.labels?.["kubernetes.io/service-name"] === "web-app",
      ),
    );
    expect(names(withSlice)).toContain("default/web-app");
    const svc = (withSlice.services as { metadata: Record<string, unknown>; spec: { clusterIP: string } }[]).find(
      (s) => s.metadata.name === "web-app",
    )!;
    expect(svc.spec.clusterIP).toMatch(/^10\.43\./);
    // Trimmed: no managedFields or resourceVersion travel to every node.
    expect(Object.keys(svc.metadata).sort()).toEqual(["name", "namespace", "uid"]);
    // Every frame since the label write carries the Service: none was sent for the node write itself.
    const since = agent.frames.filter((f) => f.type === "network").slice(framesBefore);
    expect(since.length).toBeGreaterThan(0);
    for (const f of since) expect(names(f)).toContain("default/web-app");
    // The Service goes: a frame without it follows.
    const seen = agent.frames.length;
    await call(`${c}/api/v1/namespaces/default/services/web-app`, { method: "DELETE" });
    const after = await agent.waitFor(
      "network",
      1,
      5000,
      (f) => agent.frames.indexOf(f) >= seen && !names(f).includes("default/web-app"),
    );
    expect(names(after)).toContain("default/kubernetes");
    agent.ws.close(1000, "bye");
  });

  it("tells an agent speaking another protocol version to upgrade", async () => {
    const { c, token } = await clusterWithToken();
    const { token: credential } = (await (await join(c, token, "old")).json()) as { token: string };
    const agent = new Agent(await connect(c, "old", credential));
    agent.send({
      type: "hello",
      protocolVersion: PROTOCOL_VERSION + 100,
      agentVersion: "9.9.9",
      nodeName: "old",
      resumeFrom: "",
    });
    expect(String((await agent.waitFor("upgrade")).message)).toContain("upgrade k-agent");
  });

  it("refuses another node's session", async () => {
    const { c, token } = await clusterWithToken();
    const { token: credential } = (await (await join(c, token, "a")).json()) as { token: string };
    expect(
      (await call(`${c}/kflare/v1/nodes/b/session`, { token: credential, headers: { upgrade: "websocket" } })).status,
    ).toBe(403);
  });
});

describe("a node's requests", () => {
  function pem(der: ArrayBuffer, label: string): string {
    const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
    return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
  }

  it("gets tokens bound to its own pods only, and a serving certificate for the kubernetes Service", async () => {
    const { c, token } = await clusterWithToken();
    const { token: credential } = (await (await join(c, token, "pi-1")).json()) as { token: string };
    const agent = new Agent(await connect(c, "pi-1", credential));
    agent.ws.send(hello());
    await agent.waitFor("welcome");
    const made: Record<string, string> = {};
    for (const [name, nodeName] of [
      ["mine", "pi-1"],
      ["theirs", "pi-2"],
    ] as const) {
      const r = await call(`${c}/api/v1/namespaces/default/pods`, {
        method: "POST",
        body: JSON.stringify({ metadata: { name }, spec: { nodeName, containers: [{ name: "c", image: "x" }] } }),
      });
      made[name] = ((await r.json()) as { metadata: { uid: string } }).metadata.uid;
    }
    const ask = (id: string, pod: string) =>
      agent.send({
        type: "tokenRequest",
        id,
        namespace: "default",
        serviceAccount: "default",
        pod,
        podUid: made[pod],
        expirationSeconds: 3607,
      });
    ask("t1", "mine");
    const issued = await agent.waitFor("tokenResponse", 1, 5000, (f) => f.id === "t1");
    expect(issued.error).toBeUndefined();
    expect(Date.parse(String(issued.expirationTimestamp)) - Date.now()).toBeGreaterThan(3590_000);
    // The token is the pod's service account's: authenticated, and refused by RBAC (nothing granted).
    const asPod = await call(`${c}/api/v1/namespaces/default/pods`, { token: String(issued.token) });
    expect(asPod.status).toBe(403);
    expect(((await asPod.json()) as { message: string }).message).toContain(
      'User "system:serviceaccount:default:default"',
    );
    ask("t2", "theirs");
    const refused = await agent.waitFor("tokenResponse", 1, 5000, (f) => f.id === "t2");
    expect(refused.token).toBeUndefined();
    expect(refused.error).toContain("no relationship found between node 'pi-1' and this object");

    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const spki = pem((await crypto.subtle.exportKey("spki", keys.publicKey)) as ArrayBuffer, "PUBLIC KEY");
    agent.send({ type: "servingCertRequest", id: "c1", publicKeyPem: spki });
    const cert = await agent.waitFor("servingCert", 1, 5000, (f) => f.id === "c1");
    const rootCa = (await (await call(`${c}/api/v1/namespaces/default/configmaps/kube-root-ca.crt`)).json()) as {
      data: { "ca.crt": string };
    };
    expect(cert.caPem).toBe(rootCa.data["ca.crt"]);
    // Loaded the way the store loads it (reflect-metadata first, WebCrypto as its provider).
    await import("../../pki/certificates.ts");
    const x509 = await import("@peculiar/x509");
    const served = new x509.X509Certificate(String(cert.certPem));
    const ca = new x509.X509Certificate(String(cert.caPem));
    expect(await served.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
    expect(served.subject).toContain("CN=system:node:pi-1");
    const svc = (await (await call(`${c}/api/v1/namespaces/default/services/kubernetes`)).json()) as {
      spec: { clusterIP: string };
    };
    const san = served.getExtension(x509.SubjectAlternativeNameExtension)!;
    expect(san.names.toJSON().map((n) => n.value)).toEqual([
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      "kubernetes.default.svc.cluster.local",
      svc.spec.clusterIP,
    ]);
    // The certificate is for the key the node sent: its private half never left the node.
    const publicKey = await served.publicKey.export();
    expect(pem((await crypto.subtle.exportKey("spki", publicKey)) as ArrayBuffer, "PUBLIC KEY")).toBe(spki);

    agent.send({ type: "servingCertRequest", id: "c2", publicKeyPem: "not a key" });
    expect((await agent.waitFor("servingCert", 1, 5000, (f) => f.id === "c2")).error).toContain("publicKey:");
  });
});

describe("deleting a node", () => {
  it("revokes its credential, frees its pod range and closes its agent's link", async () => {
    const { c, token } = await clusterWithToken();
    const registered = async (node: string): Promise<{ agent: Agent; credential: string; cidr: string }> => {
      const { token: credential } = (await (await join(c, token, node)).json()) as { token: string };
      const agent = new Agent(await connect(c, node, credential));
      agent.ws.send(hello(node));
      await agent.waitFor("assignment");
      agent.send({ type: "nodeStatus", labels: { "kubernetes.io/hostname": node }, status: nodeStatus });
      let cidr: string | undefined;
      const deadline = Date.now() + 5000;
      while (!cidr && Date.now() < deadline) {
        const r = await call(`${c}/api/v1/nodes/${node}`);
        if (r.status === 200) cidr = ((await r.json()) as { spec?: { podCIDR?: string } }).spec?.podCIDR;
        else await r.body?.cancel();
        if (!cidr) await new Promise((r) => setTimeout(r, 20));
      }
      expect(cidr).toMatch(/^10\.42\.\d+\.0\/24$/);
      return { agent, credential, cidr: cidr! };
    };
    const first = await registered("pi-1");
    expect((await call(`${c}/api/v1/nodes/pi-1`, { token: first.credential })).status).toBe(200);

    // kubectl delete node pi-1
    expect((await call(`${c}/api/v1/nodes/pi-1`, { method: "DELETE" })).status).toBe(200);

    // Its link is closed, saying why, and its credential no longer opens anything.
    const closed = await pollUntil("pi-1's link to close", () => first.agent.closed);
    expect(closed.code).toBe(CLOSE_REVOKED);
    expect(closed.reason).toContain("revoked");
    expect((await call(`${c}/api/v1/nodes/pi-1`, { token: first.credential })).status).toBe(401);
    const reconnect = await call(`${c}/kflare/v1/nodes/pi-1/session`, {
      token: first.credential,
      headers: { upgrade: "websocket" },
    });
    expect(reconnect.status).toBe(401);
    // Nothing it sends on a session opened before brings the Node back.
    expect((await call(`${c}/api/v1/nodes/pi-1`)).status).toBe(404);

    // The name is free again too: the join refusal's advice (remove it first: kubectl delete node) holds.
    const rejoined = await join(c, token, "pi-1");
    expect(rejoined.status).toBe(201);
    await rejoined.body?.cancel();

    // Its pod range is free again: the next node to register gets it.
    const second = await registered("pi-2");
    expect(second.cidr).toBe(first.cidr);
    second.agent.ws.close();
  });
});
