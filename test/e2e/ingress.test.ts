// Ingress at the edge end to end, as `npm start` serves it: the real curl on the local Ingress
// port -> workerd (edge router, the node's Durable Object) -> the agent's ingress link -> a real
// containerd pod running a Node server. Hosts route to the Service's pods (both answer), a 10 MB
// response and a 5 MB upload stream through intact, a WebSocket echoes, a LoadBalancer Service gets
// a hostname that answers, and the failures say what they are: 503 for a missing backend or no
// ready pod, 502 for a pod that refuses, the oldest of two Ingresses claiming a route keeps it.

import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { pushNodeImage } from "../setup/node-image.ts";
import { ContainerNode, deployment } from "../tools/container-node.ts";

const node = new ContainerNode({
  name: "e2e-ing",
  nodeName: "e2e-ingress",
  vars: { NODE_KEEPALIVE_SECONDS: "1", NODE_GRACE_PERIOD_SECONDS: "4", INGRESS_TIMEOUT_SECONDS: "5" },
});

let image = "";
const execFileAsync = promisify(execFile);

/**
 * curl against the local Ingress port with a Host header: status and body (or the file written).
 * Asynchronous on purpose: the node's namespace reaches the control plane through a forwarder in
 * this process, which a synchronous child would stall.
 */
async function curl(host: string, path: string, extra: string[] = []): Promise<{ status: number; body: string }> {
  const r = await execFileAsync(
    "curl",
    ["-s", "-m", "20", "-H", `Host: ${host}`, "-w", "\n%{http_code}", ...extra, `${node.cp.ingressUrl}${path}`],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? "" }));
  const out = r.stdout ?? "";
  const cut = out.lastIndexOf("\n");
  return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut).trimEnd() };
}

function ingress(name: string, host: string, service: string, port: object = { number: 80 }): object {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name },
    spec: {
      rules: [
        { host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port } } }] } },
      ],
    },
  };
}

function service(name: string, spec: object): object {
  return { apiVersion: "v1", kind: "Service", metadata: { name }, spec };
}

async function eventsOf(name: string): Promise<string> {
  return node.kubectl("get", "events", "--field-selector", `involvedObject.name=${name}`, "-o", "wide");
}

beforeAll(async () => {
  await node.setUp();
  // The agent runs under /usr/bin/node: the image carries that same binary when the machine has it.
  const registry = node.registry;
  if (!node.unavailable && registry?.available)
    image = await pushNodeImage(registry.host, existsSync("/usr/bin/node") ? "/usr/bin/node" : process.execPath);
}, 600_000);
afterAll(() => node.tearDown(), 180_000);

describe("Ingress at the edge, on the local Ingress port", { timeout: 240_000 }, () => {
  it("routes web.example to the Service's pods, each of them answering over a series of requests", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.join();
    await node.apply(
      deployment("web", 2, {
        containers: [{ name: "web", image, ports: [{ name: "http", containerPort: 8080 }] }],
      }),
    );
    await node.apply(service("web", { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }] }));
    await node.apply(ingress("web", "web.example", "web"));
    const pods = await node.eventually("2 web pods Running", async () => {
      const p = await node.podsOf("web");
      return p.length === 2 && p.every((x) => x.status?.phase === "Running") ? p : undefined;
    });
    const names = pods.map((p) => p.metadata.name ?? "").sort();
    const seen = await node.eventually("both pods answer through the Ingress", async () => {
      const s = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const r = await curl("web.example", "/");
        if (r.status === 200) s.add(r.body.replace(/^hello from /, "").trim());
      }
      return names.every((n) => s.has(n)) ? s : undefined;
    });
    expect([...seen].sort()).toEqual(names);
    // The pod sees the original host, how the request arrived, and from where (curl runs here).
    const headers = JSON.parse((await curl("web.example", "/headers")).body) as Record<string, string>;
    expect(headers).toMatchObject({
      host: "web.example",
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-host": "web.example",
      "x-forwarded-proto": "http",
    });
    // web.example is outside this installation's ingress domain: said on the Ingress, which gets no address.
    expect(await eventsOf("web")).toMatch(
      /HostOutsideDomain.*host web\.example is not under this installation's ingress domain kflare\.localhost/,
    );
    expect(await node.kubectl("get", "ingress", "web", "-o", "jsonpath={.status.loadBalancer.ingress}")).toBe("");
  });

  it("gives an Ingress with a host under the domain the domain as its ADDRESS", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.apply(ingress("shop", "shop.kflare.localhost", "web"));
    await node.eventually("the Ingress's address", async () => {
      const a = await node.kubectl(
        "get",
        "ingress",
        "shop",
        "-o",
        "jsonpath={.status.loadBalancer.ingress[0].hostname}",
      );
      return a === "kflare.localhost" || undefined;
    });
    expect(await node.kubectl("get", "ingress", "shop")).toMatch(
      /shop\s+kflare\s+shop\.kflare\.localhost\s+kflare\.localhost\s+80\s/,
    );
    expect((await curl("shop.kflare.localhost", "/")).body).toMatch(/^hello from web-/);
    await node.kubectl("delete", "ingress", "shop");
  });

  it("streams a 10 MB response and a 5 MB upload through intact", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    const size = 10 * 1024 * 1024;
    const file = join(node.dataDir, "big.bin");
    const r = await curl("web.example", `/bytes/${size}`, ["-o", file]);
    expect(r.status).toBe(200);
    const got = await readFile(file);
    expect(got.byteLength).toBe(size);
    const want = Buffer.alloc(size);
    for (let i = 0; i < size; i++) want[i] = i % 251;
    expect(createHash("sha256").update(got).digest("hex")).toBe(createHash("sha256").update(want).digest("hex"));

    const upload = randomBytes(5 * 1024 * 1024);
    const up = join(node.dataDir, "upload.bin");
    await writeFile(up, upload);
    const counted = await curl("web.example", "/count", [
      "-X",
      "POST",
      "--data-binary",
      `@${up}`,
      "-H",
      "content-type: application/octet-stream",
    ]);
    expect(counted.status).toBe(200);
    expect(JSON.parse(counted.body)).toEqual({
      bytes: upload.byteLength,
      sha256: createHash("sha256").update(upload).digest("hex"),
    });
  });

  it("carries a WebSocket to the pod and back", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    const url = `${node.cp.ingressUrl!.replace(/^http/, "ws")}/echo`;
    const ws = new WebSocket(url, ["kflare.v1"], { headers: { host: "web.example" } });
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    expect(ws.protocol).toBe("kflare.v1");
    ws.on("message", (data, isBinary) =>
      got.push(isBinary ? `binary:${(data as Buffer).byteLength}` : data.toString()),
    );
    ws.send("hello over the edge");
    ws.send(Buffer.alloc(70_000, 1));
    await node.eventually("both echoes", async () => (got.length === 2 ? true : undefined), 10_000);
    expect(got).toEqual(["hello over the edge", "binary:70000"]);
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.close(1000);
    expect(await closed).toBe(1000);
  });

  it("gives a LoadBalancer Service a hostname under the ingress domain that answers the same way", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.apply(
      service("web-lb", { type: "LoadBalancer", selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }] }),
    );
    const hostname = await node.eventually("the Service's hostname", async () => {
      const h = await node.kubectl("get", "svc", "web-lb", "-o", "jsonpath={.status.loadBalancer.ingress[0].hostname}");
      return h || undefined;
    });
    expect(hostname).toBe("web-lb-default.kflare.localhost");
    expect(await node.kubectl("get", "svc", "web-lb")).toMatch(
      /web-lb\s+LoadBalancer\s+\S+\s+web-lb-default\.kflare\.localhost\s+80:3\d{4}\/TCP/,
    );
    const r = await node.eventually("the hostname answers", async () => {
      const res = await curl(hostname, "/");
      return res.status === 200 ? res : undefined;
    });
    expect(r.body).toMatch(/^hello from web-/);
  });

  it("answers 503 for a backend Service that does not exist, and says so on the Ingress", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.apply(ingress("orphan", "orphan.example", "no-such-service"));
    const r = await node.eventually("the 503", async () => {
      const res = await curl("orphan.example", "/");
      return res.status === 503 ? res : undefined;
    });
    expect(r.body).toBe("503 Service Unavailable: Service default/no-such-service does not exist");
    await node.eventually("the BackendNotFound event", async () =>
      /BackendNotFound.*Service "no-such-service" not found/.test(await eventsOf("orphan")) ? true : undefined,
    );
  });

  it("keeps a contested route with the older Ingress and tells the newer one", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    await node.apply(ingress("web-copy", "web.example", "no-such-service"));
    await node.eventually("the RouteConflict event", async () =>
      /RouteConflict.*already served by Ingress default\/web/.test(await eventsOf("web-copy")) ? true : undefined,
    );
    for (let i = 0; i < 5; i++) expect((await curl("web.example", "/")).status).toBe(200);
  });

  it("answers 502 when the pod refuses the connection, 503 once no pod is ready", async ({ skip }) => {
    if (node.unavailable) return skip(node.unavailable);
    // A Service whose target port nothing listens on.
    await node.apply(service("closed", { selector: { app: "web" }, ports: [{ port: 80, targetPort: 9999 }] }));
    await node.apply(ingress("closed", "closed.example", "closed"));
    const refused = await node.eventually("the 502", async () => {
      const res = await curl("closed.example", "/");
      return res.status === 502 ? res : undefined;
    });
    expect(refused.body).toMatch(/^502 Bad Gateway: .*refused the connection/);
    await node.kubectl("scale", "deployment", "web", "--replicas=0");
    const gone = await node.eventually("the 503", async () => {
      const res = await curl("web.example", "/");
      return res.status === 503 ? res : undefined;
    });
    expect(gone.body).toBe("503 Service Unavailable: Service default/web has no ready endpoints");
  });
});
