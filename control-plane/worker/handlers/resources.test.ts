import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

// The test configuration's ADMIN_TOKEN_HASH is sha256("test").
async function call(path: string, method = "GET", body?: unknown): Promise<{ status: number; body: unknown }> {
  const headers = { authorization: "Bearer test", "content-type": "application/json" };
  const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  const r = await exports.default.fetch(new Request(`https://kflare.test${path}`, init));
  return { status: r.status, body: await r.json() };
}

// Found by the fuzz test: DELETE /api/v1/namespaces marked every namespace (default and
// kube-system too) Terminating, their content left in place.
describe("namespaces", () => {
  it("have no deletecollection, and the system namespaces cannot be deleted", async () => {
    const name = `r${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    expect((await call("/kflare/v1/clusters", "POST", { metadata: { name } })).status).toBe(201);
    const c = `/clusters/${name}`;
    expect(await call(`${c}/api/v1/namespaces`, "DELETE")).toMatchObject({
      status: 405,
      body: { kind: "Status", code: 405, reason: "MethodNotAllowed" },
    });
    for (const ns of ["default", "kube-system", "kube-public"]) {
      expect(await call(`${c}/api/v1/namespaces/${ns}`, "DELETE")).toMatchObject({
        status: 403,
        body: {
          kind: "Status",
          code: 403,
          message: `namespaces "${ns}" is forbidden: this namespace may not be deleted`,
        },
      });
    }
    const list = (await call(`${c}/api/v1/namespaces`)).body as {
      items: { metadata: { deletionTimestamp?: string } }[];
    };
    expect(list.items.filter((n) => n.metadata.deletionTimestamp)).toEqual([]);
    // The first call starts the Durable Objects: slow on a busy machine.
  }, 20_000);
});
