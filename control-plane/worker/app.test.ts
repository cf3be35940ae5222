import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { WatchReader } from "../../test/workers/watch-reader.ts";

// The test configuration's ADMIN_TOKEN_HASH is sha256("test").
const TOKEN = "test";

let clusterSeq = 0;
/** Each test gets its own cluster, so tests never see each other's objects. */
async function cluster(): Promise<string> {
  clusterSeq++;
  const name = `t${Date.now().toString(36)}${clusterSeq}`;
  const r = await call("/kflare/v1/clusters", { method: "POST", body: JSON.stringify({ metadata: { name } }) });
  if (r.status !== 201) throw new Error(`cluster create: ${r.status} ${await r.text()}`);
  return `/clusters/${name}`;
}

async function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token !== null) headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
  if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
  return exports.default.fetch(new Request(`https://kflare.test${path}`, { ...init, headers }));
}

async function body(r: Response): Promise<Record<string, unknown>> {
  return (await r.json()) as Record<string, unknown>;
}

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web-app" },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web-app" } },
    template: {
      metadata: { labels: { app: "web-app" } },
      spec: { containers: [{ name: "web", image: "myapp:1.2.0", ports: [{ containerPort: 3000 }] }] },
    },
  },
};

describe("health and auth", () => {
  it("answers health checks without credentials", async () => {
    expect((await call("/healthz", { token: null })).status).toBe(200);
    expect((await call("/readyz", { token: null })).status).toBe(200);
  });

  it("refuses a missing or wrong token with a 401 Status", async () => {
    for (const token of [null, "wrong"]) {
      const r = await call("/api/v1/namespaces/default/pods", { token });
      expect(r.status).toBe(401);
      expect(await body(r)).toMatchObject({ kind: "Status", code: 401, reason: "Unauthorized" });
    }
  });

  it("throttles repeated failed logins per client address, which neither its port nor a header changes", async () => {
    // The address as workerd reports it on a local socket (ip:port); Request's init types know
    // only Cloudflare's own cf fields.
    const from = (peer: string, token: string, header?: string) =>
      exports.default.fetch(
        new Request("https://kflare.test/api/v1/namespaces", {
          headers: { authorization: `Bearer ${token}`, ...(header ? { "cf-connecting-ip": header } : {}) },
          cf: { clientIp: peer } as RequestInitCfProperties,
        }),
      );
    for (let i = 0; i < 20; i++) {
      expect((await from(`198.51.100.7:${40000 + i}`, "wrong", `203.0.113.${i}`)).status).toBe(401);
    }
    const refused = await from("198.51.100.7:41000", TOKEN, "203.0.113.99");
    expect(refused.status).toBe(429);
    expect(await body(refused)).toMatchObject({ kind: "Status", code: 429, reason: "TooManyRequests" });
    expect((await from("198.51.100.8:41000", TOKEN)).status).toBe(200);
  });

  it("serves /version with a semver gitVersion", async () => {
    const v = await body(await call("/version"));
    expect(v.gitVersion).toMatch(/^v1\.35\.\d+/);
  });
});

describe("clusters", () => {
  it("serves a cluster only while it exists, each with its own objects", async () => {
    const c = await cluster();
    const cm = JSON.stringify({ metadata: { name: "only-here" } });
    expect((await call(`${c}/api/v1/namespaces/default/configmaps`, { method: "POST", body: cm })).status).toBe(201);
    expect((await call("/api/v1/namespaces/default/configmaps/only-here")).status).toBe(404);
    const name = c.split("/")[2]!;
    expect((await call(`/kflare/v1/clusters/${name}`, { method: "DELETE" })).status).toBe(200);
    const gone = await call(`${c}/api/v1/namespaces/default/configmaps`);
    expect(gone.status).toBe(404);
    expect((await body(gone)).message).toContain("does not exist");
    expect((await call("/clusters/never-made/api/v1/namespaces")).status).toBe(404);
    expect((await call("/kflare/v1/clusters/default", { method: "DELETE" })).status).toBe(403);
  });
});

describe("discovery", () => {
  it("answers aggregated discovery with the exact content type", async () => {
    const accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    const core = await call("/api", { headers: { accept } });
    expect(core.headers.get("content-type")).toBe(
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    );
    const list = await body(core);
    const pods = (
      list.items as { versions: { resources: { resource: string; shortNames?: string[] }[] }[] }[]
    )[0]!.versions[0]!.resources.find((r) => r.resource === "pods");
    expect(pods?.shortNames).toEqual(["po"]);
    const groups = await body(await call("/apis", { headers: { accept } }));
    expect((groups.items as { metadata: { name: string } }[]).map((g) => g.metadata.name)).toContain("apps");
  });

  it("answers legacy discovery", async () => {
    expect(await body(await call("/api"))).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    const apps = await body(await call("/apis/apps/v1"));
    expect((apps.resources as { name: string }[]).map((r) => r.name)).toContain("deployments/scale");
  });

  it("publishes a PATCH operation declaring fieldValidation for every kind", async () => {
    const index = await body(await call("/openapi/v3"));
    const url = (index.paths as Record<string, { serverRelativeURL: string }>)["apis/apps/v1"]!.serverRelativeURL;
    const doc = await body(await call(url));
    const op = (doc.paths as Record<string, { patch: { parameters: { name: string }[] } }>)[
      "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
    ]!;
    expect(op.patch.parameters.map((p) => p.name)).toContain("fieldValidation");
  });

  it("publishes every served kind's schema, tagged with its group, version and kind (kubectl explain)", async () => {
    const index = (await body(await call("/openapi/v3"))).paths as Record<string, { serverRelativeURL: string }>;
    const tagged: string[] = [];
    for (const { serverRelativeURL } of Object.values(index)) {
      const doc = await body(await call(serverRelativeURL));
      const schemas = (doc.components as { schemas: Record<string, Record<string, unknown>> }).schemas;
      for (const schema of Object.values(schemas)) {
        const gvks = schema["x-kubernetes-group-version-kind"] as { group: string; kind: string }[] | undefined;
        for (const gvk of gvks ?? []) tagged.push(`${gvk.group}/${gvk.kind}`);
      }
      // Every reference resolves within its own document.
      for (const ref of JSON.stringify(doc).match(/#\/components\/schemas\/[^"]+/g) ?? [])
        expect(schemas, `${serverRelativeURL}: ${ref}`).toHaveProperty([ref.slice("#/components/schemas/".length)]);
    }
    expect(tagged).toEqual(
      expect.arrayContaining(["/Pod", "/Service", "/ConfigMap", "apps/Deployment", "networking.k8s.io/Ingress"]),
    );
  });
});

describe("objects", () => {
  it("creates, reads, lists as a Table, scales and deletes a Deployment", async () => {
    const c = await cluster();
    const created = await call(
      `${c}/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`,
      {
        method: "POST",
        body: JSON.stringify(deployment),
      },
    );
    expect(created.status).toBe(201);
    const d = await body(created);
    expect(d).toMatchObject({ metadata: { name: "web-app", namespace: "default", generation: 1 } });
    // Defaults as kube-apiserver adds them.
    expect((d.spec as { strategy: { type: string } }).strategy.type).toBe("RollingUpdate");

    const table = await call(`${c}/apis/apps/v1/namespaces/default/deployments?limit=500`, {
      headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" },
    });
    const t = await body(table);
    expect(t.kind).toBe("Table");
    expect((t.rows as { cells: unknown[] }[])[0]!.cells[0]).toBe("web-app");

    const scaled = await call(`${c}/apis/apps/v1/namespaces/default/deployments/web-app/scale`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ spec: { replicas: 5 } }),
    });
    expect(await body(scaled)).toMatchObject({
      kind: "Scale",
      spec: { replicas: 5 },
      status: { selector: "app=web-app" },
    });
    const after = await body(await call(`${c}/apis/apps/v1/namespaces/default/deployments/web-app`));
    expect(after).toMatchObject({ spec: { replicas: 5 }, metadata: { generation: 2 } });

    const del = await call(`${c}/apis/apps/v1/namespaces/default/deployments/web-app`, {
      method: "DELETE",
      body: JSON.stringify({ propagationPolicy: "Background" }),
    });
    expect(await body(del)).toMatchObject({ kind: "Status", status: "Success" });
    expect((await call(`${c}/apis/apps/v1/namespaces/default/deployments/web-app`)).status).toBe(404);
  });

  it("applies strategic merge, JSON and merge patches and server-side apply", async () => {
    const c = await cluster();
    const path = `${c}/apis/apps/v1/namespaces/default/deployments/web-app`;
    const applied = await call(`${path}?fieldManager=kubectl&fieldValidation=Strict&force=false`, {
      method: "PATCH",
      headers: { "content-type": "application/apply-patch+yaml" },
      body: JSON.stringify(deployment),
    });
    expect(applied.status).toBe(201);
    const smp = await call(`${path}?fieldManager=kubectl-set`, {
      method: "PATCH",
      headers: { "content-type": "application/strategic-merge-patch+json" },
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: "web", image: "myapp:1.3.0" }] } } } }),
    });
    const patched = await body(smp);
    const containers = (patched.spec as { template: { spec: { containers: { image: string; ports: unknown[] }[] } } })
      .template.spec.containers;
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ image: "myapp:1.3.0", ports: [{ containerPort: 3000 }] });
    const jp = await call(path, {
      method: "PATCH",
      headers: { "content-type": "application/json-patch+json" },
      body: JSON.stringify([{ op: "replace", path: "/spec/replicas", value: 2 }]),
    });
    expect(await body(jp)).toMatchObject({ spec: { replicas: 2 } });
    // A second apply of a different replicas value conflicts with the JSON patch's manager.
    const conflict = await call(`${path}?fieldManager=kubectl&force=false`, {
      method: "PATCH",
      headers: { "content-type": "application/apply-patch+yaml" },
      body: JSON.stringify(deployment),
    });
    expect(conflict.status).toBe(409);
    const unsupported = await call(path, { method: "PATCH", headers: { "content-type": "text/plain" }, body: "x" });
    expect(unsupported.status).toBe(415);
  });

  it("streams a watch over HTTP", async () => {
    const c = await cluster();
    const list = await body(await call(`${c}/api/v1/namespaces/default/configmaps`));
    const rv = (list.metadata as { resourceVersion: string }).resourceVersion;
    const w = await call(`${c}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`);
    expect(w.status).toBe(200);
    const reader = new WatchReader(w.body!);
    await call(`${c}/api/v1/namespaces/default/configmaps`, {
      method: "POST",
      body: JSON.stringify({ metadata: { name: "a" }, data: { k: "v" } }),
    });
    const [event] = await reader.waitFor(1);
    expect(event).toMatchObject({ type: "ADDED", object: { kind: "ConfigMap", metadata: { name: "a" } } });
    await reader.cancel();
  });
});

describe("bad input", () => {
  it.each([
    ["malformed JSON", "/api/v1/namespaces/default/configmaps", "POST", "{", "application/json", 400],
    [
      "a kind that does not match the URL",
      "/api/v1/namespaces/default/configmaps",
      "POST",
      JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" } }),
      "application/json",
      400,
    ],
    ["an unknown resource", "/api/v1/namespaces/default/widgets", "GET", undefined, undefined, 404],
    [
      "an invalid name",
      "/api/v1/namespaces/default/configmaps",
      "POST",
      JSON.stringify({ metadata: { name: "Bad_Name" } }),
      "application/json",
      422,
    ],
    ["an unsupported media type", "/api/v1/namespaces/default/configmaps", "POST", "x", "text/plain", 415],
    [
      "a body over 3 MiB",
      "/api/v1/namespaces/default/configmaps",
      "POST",
      JSON.stringify({ metadata: { name: "x" }, data: { k: "x".repeat(3_200_000) } }),
      "application/json",
      413,
    ],
    [
      "a missing namespace",
      "/api/v1/namespaces/nope/configmaps",
      "POST",
      JSON.stringify({ metadata: { name: "x" } }),
      "application/json",
      404,
    ],
    [
      "an unknown field in Strict mode",
      "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
      "POST",
      JSON.stringify({ metadata: { name: "x" }, bogus: 1 }),
      "application/json",
      400,
    ],
  ])("answers %s with a Status and writes nothing", async (_what, path, method, payload, type, code) => {
    const c = await cluster();
    const before = await body(await call(`${c}/api/v1/namespaces/default/configmaps`));
    const r = await call(`${c}${path}`, { method, body: payload, headers: type ? { "content-type": type } : {} });
    expect(r.status).toBe(code);
    expect(await body(r)).toMatchObject({ kind: "Status", status: "Failure", code });
    const after = await body(await call(`${c}/api/v1/namespaces/default/configmaps`));
    expect(after.items).toEqual(before.items);
    expect(after.metadata).toEqual(before.metadata);
  });

  it("counts a body sent without a length (chunked) as it arrives: 413 over 3 MiB, read whole under it", async () => {
    const c = await cluster();
    const streamed = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      return new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 64 * 1024) controller.enqueue(bytes.slice(at, at + 64 * 1024));
          controller.close();
        },
      });
    };
    const post = (name: string, size: number) =>
      call(`${c}/api/v1/namespaces/default/configmaps`, {
        method: "POST",
        body: streamed(JSON.stringify({ metadata: { name }, data: { k: "x".repeat(size) } })),
        headers: { "content-type": "application/json" },
      });
    const big = await post("big", 3_200_000);
    expect(big.status).toBe(413);
    expect(await body(big)).toMatchObject({ kind: "Status", code: 413 });
    expect((await call(`${c}/api/v1/namespaces/default/configmaps/big`)).status).toBe(404);
    const small = await post("small", 200_000);
    expect(small.status).toBe(201);
    expect(((await body(small)).data as { k: string }).k).toHaveLength(200_000);
  });
});
