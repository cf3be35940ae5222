import { describe, expect, it } from "vitest";
import type { Container } from "../../schemas/core/container.ts";
import { type EnvContext, resolveEnv } from "./env.ts";
import { configMap, container, makePod, secret } from "./testing/fixtures.ts";

function ctx(c: Container, cms = [configMap("cfg", { a: "A" })], secrets = [secret("sec", { s: "S" })]): EnvContext {
  return {
    pod: makePod("p", { containers: [c], serviceAccountName: "builder" }, { annotations: { "x/y": "z" } }),
    container: c,
    config: {
      configMap: (_ns, name) => cms.find((m) => m.metadata.name === name),
      secret: (_ns, name) => secrets.find((m) => m.metadata.name === name),
    },
    addresses: { podIPs: ["10.0.0.1", "fd00::1"], hostIPs: ["192.168.0.2"] },
    allocatable: { cpu: "4", memory: "8Gi" },
  };
}

describe("resolveEnv", () => {
  it("later definitions win, references are not expanded, literals are", async () => {
    const c = container("web", {
      envFrom: [{ configMapRef: { name: "cfg" } }],
      env: [
        { name: "a", value: "override-$(a)" },
        { name: "RAW", valueFrom: { configMapKeyRef: { name: "lit", key: "k" } } },
        { name: "USE", value: "$(RAW)" },
      ],
    });
    const r = resolveEnv(ctx(c, [configMap("cfg", { a: "A" }), configMap("lit", { k: "$(a)" })]));
    expect(r).toEqual({
      env: [
        { name: "a", value: "override-A" },
        { name: "RAW", value: "$(a)" },
        { name: "USE", value: "$(a)" },
      ],
    });
  });

  it("reads the downward API fields and a node default for an unset limit", () => {
    const fields = [
      "metadata.namespace",
      "metadata.uid",
      "metadata.annotations['x/y']",
      "spec.serviceAccountName",
      "status.podIPs",
      "status.hostIPs",
    ];
    const c = container("web", {
      env: [
        ...fields.map((f, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath: f } } })),
        { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
      ],
    });
    const r = resolveEnv(ctx(c));
    expect("env" in r && r.env.map((e) => e.value)).toEqual([
      "default",
      "uid-p",
      "z",
      "builder",
      "10.0.0.1,fd00::1",
      "192.168.0.2",
      "4",
    ]);
  });

  it("names what is missing, and skips what is optional", () => {
    const missing = (env: Container["env"], envFrom?: Container["envFrom"]) =>
      resolveEnv(ctx(container("w", { env, envFrom })));
    expect(missing([{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }])).toEqual({
      error: 'secret "nope" not found',
    });
    expect(missing([{ name: "X", valueFrom: { secretKeyRef: { name: "sec", key: "k" } } }])).toEqual({
      error: "couldn't find key k in Secret default/sec",
    });
    expect(missing([{ name: "X", valueFrom: { secretKeyRef: { name: "sec", key: "k", optional: true } } }])).toEqual({
      env: [],
    });
    expect(missing([], [{ configMapRef: { name: "nope" } }])).toEqual({ error: 'configmap "nope" not found' });
    expect(missing([], [{ secretRef: { name: "nope", optional: true } }])).toEqual({ env: [] });
    expect(missing([{ name: "X", valueFrom: { fieldRef: { fieldPath: "spec.bogus" } } }])).toEqual({
      error: "unsupported fieldPath: spec.bogus",
    });
  });
});
