// Impersonation inside workerd (`kubectl --as`, `--as-group`, `--as-uid`): who may impersonate whom,
// and that the request then meets the authorizers as the impersonated identity.

import { describe, expect, it } from "vitest";
import { call, clusterWithNode } from "../durable-objects/node-session/testing.ts";

async function post(c: string, path: string, obj: unknown, init: { token?: string; headers?: HeadersInit } = {}) {
  return call(`${c}${path}`, { method: "POST", body: JSON.stringify(obj), ...init });
}

const RBAC = "/apis/rbac.authorization.k8s.io/v1";

/** A cluster with service account `reader` (get/list pods in default) and its token. */
async function setup() {
  const { c, credential } = await clusterWithNode();
  const ok = async (path: string, obj: unknown) => expect((await post(c, path, obj)).status).toBe(201);
  await ok("/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "reader" } });
  await ok(`${RBAC}/namespaces/default/roles`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "pod-reader" },
    rules: [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] }],
  });
  await ok(`${RBAC}/namespaces/default/rolebindings`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "readers" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
    subjects: [
      { kind: "ServiceAccount", name: "reader", namespace: "default" },
      { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" },
    ],
  });
  const r = await post(c, "/api/v1/namespaces/default/serviceaccounts/reader/token", {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: {},
  });
  const token = ((await r.json()) as { status: { token: string } }).status.token;
  return { c, credential, token };
}

async function message(r: Response): Promise<string> {
  return ((await r.json()) as { message: string }).message;
}

async function whoami(c: string, init: { token?: string; headers?: HeadersInit }) {
  const r = await post(
    c,
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    init,
  );
  expect(r.status).toBe(201);
  return ((await r.json()) as { status: { userInfo: Record<string, unknown> } }).status.userInfo;
}

describe("impersonation", () => {
  it("lets the admin act as a service account, which RBAC then decides for", async () => {
    const { c } = await setup();
    const as = { "impersonate-user": "system:serviceaccount:default:reader" };
    expect((await call(`${c}/api/v1/namespaces/default/pods`, { headers: as })).status).toBe(200);
    const denied = await call(`${c}/api/v1/namespaces/kube-system/pods`, { headers: as });
    expect(denied.status).toBe(403);
    expect(await message(denied)).toBe(
      'pods is forbidden: User "system:serviceaccount:default:reader" cannot list resource "pods" in API group "" in the namespace "kube-system"',
    );
    expect(await whoami(c, { headers: as })).toEqual({
      username: "system:serviceaccount:default:reader",
      groups: ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"],
    });
  });

  it("acts as a user with groups, uid and extras, as kubectl --as, --as-group and --as-uid send them", async () => {
    const { c } = await setup();
    const headers = new Headers({ "impersonate-user": "jane", "impersonate-uid": "u-1" });
    headers.append("impersonate-group", "devs");
    headers.append("impersonate-group", "testers");
    headers.set("impersonate-extra-team", "blue");
    expect(await whoami(c, { headers })).toEqual({
      username: "jane",
      uid: "u-1",
      groups: ["devs", "testers", "system:authenticated"],
      extra: { team: ["blue"] },
    });
    // The group's binding applies; nothing else does.
    expect((await call(`${c}/api/v1/namespaces/default/pods`, { headers })).status).toBe(200);
    expect((await call(`${c}/api/v1/namespaces/default/secrets`, { headers })).status).toBe(403);
    const alone = { "impersonate-user": "jane" };
    expect((await call(`${c}/api/v1/namespaces/default/pods`, { headers: alone })).status).toBe(403);
  });

  it("refuses a service account without the impersonate verb, and allows one that has it", async () => {
    const { c, token } = await setup();
    const asJane = { "impersonate-user": "jane" };
    const refused = await call(`${c}/api/v1/namespaces/default/pods`, { token, headers: asJane });
    expect(refused.status).toBe(403);
    expect(await message(refused)).toBe(
      'users "jane" is forbidden: User "system:serviceaccount:default:reader" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    const grant = async (path: string, obj: unknown) => expect((await post(c, path, obj)).status).toBe(201);
    await grant(`${RBAC}/clusterroles`, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "impersonate-jane" },
      rules: [{ verbs: ["impersonate"], apiGroups: [""], resources: ["users"], resourceNames: ["jane"] }],
    });
    await grant(`${RBAC}/clusterrolebindings`, {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "reader-impersonates-jane" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "impersonate-jane" },
      subjects: [{ kind: "ServiceAccount", name: "reader", namespace: "default" }],
    });
    expect(await whoami(c, { token, headers: asJane })).toMatchObject({ username: "jane" });
    // Jane herself may do nothing here, whatever the impersonator may.
    expect((await call(`${c}/api/v1/namespaces/default/pods`, { token, headers: asJane })).status).toBe(403);
    // Only jane: a group is another thing to be allowed.
    const withGroup = await call(`${c}/api/v1/namespaces/default/pods`, {
      token,
      headers: { ...asJane, "impersonate-group": "system:masters" },
    });
    expect(withGroup.status).toBe(403);
    expect(await message(withGroup)).toContain('groups "system:masters" is forbidden');
  });

  it("refuses nodes, and groups without a user", async () => {
    const { c, credential } = await setup();
    const node = await call(`${c}/api/v1/nodes`, { token: credential, headers: { "impersonate-user": "jane" } });
    expect(node.status).toBe(403);
    expect(await message(node)).toContain('User "system:node:pi-1" cannot impersonate resource "users"');
    const noUser = await call(`${c}/api/v1/namespaces/default/pods`, { headers: { "impersonate-group": "devs" } });
    expect(noUser.status).toBe(400);
  });

  it("acting as a node with the system:nodes group meets the node authorizer", async () => {
    const { c } = await setup();
    const headers = new Headers({ "impersonate-user": "system:node:pi-1", "impersonate-group": "system:nodes" });
    expect((await call(`${c}/api/v1/nodes`, { headers })).status).toBe(200);
    const secrets = await call(`${c}/api/v1/namespaces/default/secrets`, { headers });
    expect(secrets.status).toBe(403);
    expect(await message(secrets)).toContain('User "system:node:pi-1" cannot list resource "secrets"');
  });
});
