import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

// The test configuration's ADMIN_TOKEN_HASH is sha256("test").
async function call(path: string, method = "GET", body?: unknown): Promise<{ status: number; body: unknown }> {
  const headers = { authorization: "Bearer test", "content-type": "application/json" };
  const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  const r = await exports.default.fetch(new Request(`https://kflare.test${path}`, init));
  return { status: r.status, body: await r.json() };
}

async function cluster(): Promise<string> {
  const name = `s${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const r = await call("/kflare/v1/clusters", "POST", { metadata: { name } });
  if (r.status !== 201) throw new Error(`cluster create: ${r.status}`);
  return `/clusters/${name}`;
}

const pod = { metadata: { name: "web-0" }, spec: { containers: [{ name: "web", image: "nginx" }] } };

// Found by the fuzz test: every request to these answered 503, whatever was wrong with it.
describe("subresources that need a node agent", () => {
  it("refuse what upstream refuses before answering 503", async () => {
    const c = await cluster();
    const pods = `${c}/api/v1/namespaces/default/pods`;
    expect((await call(`${pods}/missing/log`)).status).toBe(404);
    expect(await call(`${pods}/web-0/exec`, "PATCH", {})).toMatchObject({
      status: 405,
      body: { kind: "Status", code: 405, reason: "MethodNotAllowed" },
    });
    expect((await call(pods, "POST", pod)).status).toBe(201);
    expect(await call(`${pods}/web-0/log`)).toMatchObject({
      status: 400,
      body: { kind: "Status", code: 400, message: "pod web-0 does not have a host assigned" },
    });
    const binding = { metadata: { name: "web-0" }, target: { kind: "Node", name: "pi" } };
    expect((await call(`${pods}/web-0/binding`, "POST", binding)).status).toBe(201);
    expect(await call(`${pods}/web-0/log`)).toMatchObject({ status: 503, body: { reason: "ServiceUnavailable" } });
    expect((await call(`${c}/api/v1/namespaces/default/serviceaccounts/nope/token`, "POST", {})).status).toBe(404);
    // The first call starts the Durable Objects: slow on a busy machine.
  }, 20_000);
});
