import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", "Bearer test");
  if (init.body) headers.set("content-type", "application/json");
  return exports.default.fetch(new Request(`https://kflare.test${path}`, { ...init, headers }));
}

it("streams lists bigger than a page as one consistent list, and honours limit/continue across pages", {
  timeout: 60_000,
}, async () => {
  const name = `big${Date.now().toString(36)}`;
  expect(
    (await call("/kflare/v1/clusters", { method: "POST", body: JSON.stringify({ metadata: { name } }) })).status,
  ).toBe(201);
  const c = `/clusters/${name}/api/v1/namespaces/default/configmaps`;
  // Every namespace starts with its kube-root-ca.crt ConfigMap; the test adds 1149 more.
  const total = 1150;
  for (let i = 0; i < total - 1; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, total - 1 - i) }, (_, j) =>
        call(c, {
          method: "POST",
          body: JSON.stringify({ metadata: { name: `cm-${String(i + j).padStart(4, "0")}` } }),
        }),
      ),
    );
  }
  const all = (await (await call(c)).json()) as {
    kind: string;
    items: { metadata: { name: string } }[];
    metadata: { resourceVersion: string; continue?: string };
  };
  expect(all.kind).toBe("ConfigMapList");
  expect(all.items).toHaveLength(total);
  expect(new Set(all.items.map((i) => i.metadata.name)).size).toBe(total);
  expect(all.metadata.continue).toBeUndefined();

  const first = (await (await call(`${c}?limit=700`)).json()) as typeof all;
  expect(first.items).toHaveLength(700);
  expect(first.metadata.continue).toBeTruthy();
  const rest = (await (
    await call(`${c}?limit=700&continue=${encodeURIComponent(first.metadata.continue!)}`)
  ).json()) as typeof all;
  expect(rest.items).toHaveLength(total - 700);
  expect(rest.items[0]!.metadata.name).toBe("cm-0700");
  expect(rest.items.at(-1)!.metadata.name).toBe("kube-root-ca.crt");

  const table = (await (
    await call(c, { headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" } })
  ).json()) as { kind: string; rows: unknown[]; columnDefinitions: unknown[] };
  expect(table.kind).toBe("Table");
  expect(table.rows).toHaveLength(total);
  expect(table.columnDefinitions.length).toBeGreaterThan(0);
});
