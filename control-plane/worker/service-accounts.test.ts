// Service accounts end to end in workerd: TokenRequest, what a token may do under RBAC, when it
// stops working, the pod admission that mounts it, and the cluster CA in every namespace.

import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

// The test configuration's ADMIN_TOKEN_HASH is sha256("test").
const ADMIN = "test";

let seq = 0;
async function cluster(): Promise<string> {
  seq++;
  const name = `sa${Date.now().toString(36)}${seq}`;
  const r = await call("/kflare/v1/clusters", { method: "POST", body: JSON.stringify({ metadata: { name } }) });
  if (r.status !== 201) throw new Error(`cluster create: ${r.status} ${await r.text()}`);
  return `/clusters/${name}`;
}

async function call(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${init.token ?? ADMIN}`);
  if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
  return exports.default.fetch(new Request(`https://kflare.test${path}`, { ...init, headers }));
}

async function json(r: Response): Promise<Record<string, unknown>> {
  return (await r.json()) as Record<string, unknown>;
}

async function post(path: string, obj: unknown, token?: string): Promise<Response> {
  return call(path, { method: "POST", body: JSON.stringify(obj), ...(token ? { token } : {}) });
}

async function tokenFor(c: string, spec: Record<string, unknown> = {}, sa = "default"): Promise<Response> {
  return post(`${c}/api/v1/namespaces/default/serviceaccounts/${sa}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec,
  });
}

function pod(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "c", image: "busybox" }], ...extra },
  };
}

describe("TokenRequest", () => {
  it("issues a token that authenticates as the service account, which RBAC then decides for", async () => {
    const c = await cluster();
    const r = await tokenFor(c);
    expect(r.status).toBe(201);
    const tr = await json(r);
    const status = tr.status as { token: string; expirationTimestamp: string };
    expect(tr).toMatchObject({
      kind: "TokenRequest",
      apiVersion: "authentication.k8s.io/v1",
      spec: { audiences: ["https://kubernetes.default.svc.cluster.local"], expirationSeconds: 3600 },
    });
    const lifetime = Date.parse(status.expirationTimestamp) - Date.now();
    expect(lifetime).toBeGreaterThan(3590_000);
    expect(lifetime).toBeLessThanOrEqual(3600_000);

    // Authenticated, but nothing is granted yet: upstream's 403 wording.
    const denied = await call(`${c}/api/v1/namespaces/default/pods`, { token: status.token });
    expect(denied.status).toBe(403);
    expect((await json(denied)).message).toBe(
      'pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"',
    );

    // Bound to the default `view` ClusterRole in its namespace: it reads pods there, and nothing more.
    expect(
      (
        await post(`${c}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings`, {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: "default-view" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
          subjects: [{ kind: "ServiceAccount", name: "default", namespace: "default" }],
        })
      ).status,
    ).toBe(201);
    const list = await call(`${c}/api/v1/namespaces/default/pods`, { token: status.token });
    expect(list.status).toBe(200);
    expect((await json(list)).kind).toBe("PodList");
    expect((await call(`${c}/api/v1/namespaces/kube-system/pods`, { token: status.token })).status).toBe(403);
    expect((await call(`${c}/api/v1/namespaces/default/secrets`, { token: status.token })).status).toBe(403);
    expect((await post(`${c}/api/v1/namespaces/default/pods`, pod("p"), status.token)).status).toBe(403);
    // Not a deployment admin: no cluster management.
    expect((await call("/kflare/v1/clusters", { token: status.token })).status).toBe(401);
  });

  it("refuses bad requests with upstream's errors and issues nothing", async () => {
    const c = await cluster();
    const short = await tokenFor(c, { expirationSeconds: 60 });
    expect(short.status).toBe(422);
    expect((await json(short)).message).toBe(
      'TokenRequest.authentication.k8s.io "default" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
    const missing = await tokenFor(c, {}, "nobody");
    expect(missing.status).toBe(404);
    expect((await json(missing)).message).toBe('serviceaccounts "nobody" not found');
    const noPod = await tokenFor(c, { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "ghost" } });
    expect(noPod.status).toBe(404);
    const secret = await tokenFor(c, { boundObjectRef: { kind: "Secret", apiVersion: "v1", name: "s" } });
    expect(secret.status).toBe(400);
    expect((await call(`${c}/api/v1/namespaces/default/serviceaccounts/default/token`)).status).toBe(405);

    expect((await post(`${c}/api/v1/namespaces/default/pods`, pod("web"))).status).toBe(201);
    const wrongUid = await tokenFor(c, { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web", uid: "x" } });
    expect(wrongUid.status).toBe(409);
    expect((await json(wrongUid)).message).toContain("does not match the UID in record");
    expect(
      (
        await post(`${c}/api/v1/namespaces/default/serviceaccounts`, {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: "other" },
        })
      ).status,
    ).toBe(201);
    const otherAccount = await tokenFor(c, { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web" } }, "other");
    expect(otherAccount.status).toBe(400);
    expect((await json(otherAccount)).message).toContain("different serviceaccount name");
  });

  it("stops authenticating when its pod or its service account goes, or when it is for another audience", async () => {
    const c = await cluster();
    const grant = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "view" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: "default" }],
    };
    expect((await post(`${c}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings`, grant)).status).toBe(
      201,
    );
    const created = await json(await post(`${c}/api/v1/namespaces/default/pods`, pod("web")));
    const uid = (created.metadata as { uid: string }).uid;
    const bound = (
      (await json(await tokenFor(c, { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "web", uid } })))
        .status as { token: string }
    ).token;
    const vault = ((await json(await tokenFor(c, { audiences: ["vault"] }))).status as { token: string }).token;
    const plain = ((await json(await tokenFor(c))).status as { token: string }).token;
    const pods = `${c}/api/v1/namespaces/default/pods`;
    expect((await call(pods, { token: bound })).status).toBe(200);
    expect((await call(pods, { token: vault })).status).toBe(401);

    // The pod is gone (no node runs it, so a delete removes it at once): its token with it.
    expect((await call(`${pods}/web`, { method: "DELETE" })).status).toBe(200);
    expect((await call(pods, { token: bound })).status).toBe(401);
    expect((await call(pods, { token: plain })).status).toBe(200);

    // A service account deleted and made again is another account: old tokens stay dead.
    expect((await call(`${c}/api/v1/namespaces/default/serviceaccounts/default`, { method: "DELETE" })).status).toBe(
      200,
    );
    expect(
      (
        await post(`${c}/api/v1/namespaces/default/serviceaccounts`, {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: "default" },
        })
      ).status,
    ).toBe(201);
    expect((await call(pods, { token: plain })).status).toBe(401);
  });
});

describe("pod admission", () => {
  it("mounts the API credentials into every container unless the pod or its account opts out", async () => {
    const c = await cluster();
    const pods = `${c}/api/v1/namespaces/default/pods`;
    const made = await json(
      await post(pods, {
        ...pod("web"),
        spec: { initContainers: [{ name: "init", image: "busybox" }], containers: [{ name: "c", image: "busybox" }] },
      }),
    );
    const spec = made.spec as {
      volumes: { name: string; projected?: { sources: Record<string, unknown>[] } }[];
      containers: { volumeMounts: unknown[] }[];
      initContainers: { volumeMounts: unknown[] }[];
    };
    expect(spec.volumes).toHaveLength(1);
    const volume = spec.volumes[0]!;
    expect(volume.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(volume.projected!.sources).toEqual([
      { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      {
        downwardAPI: {
          items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
        },
      },
    ]);
    const mount = { name: volume.name, readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" };
    expect(spec.containers[0]!.volumeMounts).toEqual([mount]);
    expect(spec.initContainers[0]!.volumeMounts).toEqual([mount]);

    const optOut = await json(await post(pods, pod("quiet", { automountServiceAccountToken: false })));
    expect((optOut.spec as { volumes?: unknown[] }).volumes).toBeUndefined();

    const missing = await post(pods, pod("lost", { serviceAccountName: "nobody" }));
    expect(missing.status).toBe(403);
    expect((await json(missing)).message).toContain("error looking up service account default/nobody");
    expect((await call(`${pods}/lost`)).status).toBe(404);
  });
});

describe("kube-root-ca.crt", () => {
  it("holds the cluster CA in every namespace, including new ones, and comes back when deleted", async () => {
    const c = await cluster();
    const cm = async (ns: string) => call(`${c}/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`);
    const first = await json(await cm("default"));
    const ca = (first.data as { "ca.crt": string })["ca.crt"];
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/);
    expect(((await json(await cm("kube-system"))).data as Record<string, string>)["ca.crt"]).toBe(ca);
    expect(
      (await post(`${c}/api/v1/namespaces`, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } }))
        .status,
    ).toBe(201);
    expect(((await json(await cm("team"))).data as Record<string, string>)["ca.crt"]).toBe(ca);

    expect((await call(`${c}/api/v1/namespaces/team/configmaps/kube-root-ca.crt`, { method: "DELETE" })).status).toBe(
      200,
    );
    const deadline = Date.now() + 5000;
    let back: Response = await cm("team");
    while (back.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      back = await cm("team");
    }
    expect(back.status).toBe(200);
    expect(((await json(back)).data as Record<string, string>)["ca.crt"]).toBe(ca);
  });
});

describe("RBAC escalation", () => {
  it("lets a namespace admin grant only what it holds itself", async () => {
    const c = await cluster();
    const rbac = `${c}/apis/rbac.authorization.k8s.io/v1/namespaces/default`;
    const binding = (name: string, role: string) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects: [{ kind: "ServiceAccount", name: "default", namespace: "default" }],
    });
    expect((await post(`${rbac}/rolebindings`, binding("ns-admin", "admin"))).status).toBe(201);
    const token = ((await json(await tokenFor(c))).status as { token: string }).token;

    // Within what admin holds: allowed.
    expect((await post(`${rbac}/rolebindings`, binding("viewers", "view"), token)).status).toBe(201);
    const role = (name: string, rules: unknown[]) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name },
      rules,
    });
    expect(
      (
        await post(
          `${rbac}/roles`,
          role("pod-reader", [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]),
          token,
        )
      ).status,
    ).toBe(201);

    // More than it holds: refused, naming what it lacks, and nothing is written.
    const everything = await post(
      `${rbac}/roles`,
      role("everything", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]),
      token,
    );
    expect(everything.status).toBe(403);
    expect((await json(everything)).message).toContain(
      'is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}',
    );
    const root = await post(`${rbac}/rolebindings`, binding("root", "cluster-admin"), token);
    expect(root.status).toBe(403);
    expect((await json(root)).message).toContain("is attempting to grant RBAC permissions not currently held");
    expect((await call(`${rbac}/rolebindings/root`)).status).toBe(404);
    expect((await call(`${rbac}/roles/everything`)).status).toBe(404);
  });
});

describe("RBAC resourceNames", () => {
  it("lets a rule limited to one name get it, and list or watch it by name, but nothing else", async () => {
    const c = await cluster();
    const rbac = `${c}/apis/rbac.authorization.k8s.io/v1/namespaces/default`;
    expect(
      (
        await post(`${rbac}/roles`, {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "Role",
          metadata: { name: "one-config" },
          rules: [
            {
              apiGroups: [""],
              resources: ["configmaps"],
              resourceNames: ["kube-root-ca.crt"],
              verbs: ["get", "list", "watch"],
            },
          ],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await post(`${rbac}/rolebindings`, {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: "one-config" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "one-config" },
          subjects: [{ kind: "ServiceAccount", name: "default" }],
        })
      ).status,
    ).toBe(201);
    const token = ((await json(await tokenFor(c))).status as { token: string }).token;
    const cms = `${c}/api/v1/namespaces/default/configmaps`;
    expect((await call(`${cms}/kube-root-ca.crt`, { token })).status).toBe(200);
    const byName = await call(`${cms}?fieldSelector=metadata.name%3Dkube-root-ca.crt`, { token });
    expect(byName.status).toBe(200);
    expect(((await json(byName)).items as unknown[]).length).toBe(1);
    expect((await call(cms, { token })).status).toBe(403);
    expect((await call(`${cms}?fieldSelector=metadata.name%3Dother`, { token })).status).toBe(403);
  });
});
