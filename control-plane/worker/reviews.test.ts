// The review resources inside workerd: `kubectl auth can-i` (SelfSubjectAccessReview,
// SelfSubjectRulesReview) and `kubectl auth whoami` (SelfSubjectReview), asked as the admin, as a
// service account under RBAC and as a node, and the bodies they refuse.

import { describe, expect, it } from "vitest";
import { call, clusterWithNode } from "../durable-objects/node-session/testing.ts";

const AUTHZ = "/apis/authorization.k8s.io/v1";

async function post(path: string, obj: unknown, token?: string): Promise<Response> {
  return call(path, { method: "POST", body: JSON.stringify(obj), ...(token ? { token } : {}) });
}

async function canI(c: string, spec: Record<string, unknown>, token?: string) {
  const r = await post(
    `${c}${AUTHZ}/selfsubjectaccessreviews`,
    { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec },
    token,
  );
  expect(r.status).toBe(201);
  return ((await r.json()) as { status: { allowed: boolean; reason?: string } }).status;
}

/** A service account `reader` in default that may get and list pods there; its token. */
async function reader(c: string): Promise<string> {
  const ok = async (path: string, obj: unknown) => expect((await post(`${c}${path}`, obj)).status).toBe(201);
  await ok("/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "reader" } });
  await ok("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "pod-reader" },
    rules: [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] }],
  });
  await ok("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "reader" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
    subjects: [{ kind: "ServiceAccount", name: "reader", namespace: "default" }],
  });
  const r = await post(`${c}/api/v1/namespaces/default/serviceaccounts/reader/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: {},
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { status: { token: string } }).status.token;
}

describe("SelfSubjectAccessReview (kubectl auth can-i)", () => {
  it("answers for a service account as RBAC decides its requests", async () => {
    const { c } = await clusterWithNode();
    const token = await reader(c);
    const pods = { namespace: "default", verb: "list", group: "", resource: "pods" };
    expect(await canI(c, { resourceAttributes: pods }, token)).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "reader/default" of Role "pod-reader" to ServiceAccount "reader/default"',
    });
    expect(await canI(c, { resourceAttributes: { ...pods, verb: "delete" } }, token)).toEqual({ allowed: false });
    expect(await canI(c, { resourceAttributes: { ...pods, namespace: "kube-system" } }, token)).toEqual({
      allowed: false,
    });
    // The request it asked about gets the same answer.
    expect((await call(`${c}/api/v1/namespaces/default/pods`, { token })).status).toBe(200);
    expect((await call(`${c}/api/v1/namespaces/kube-system/pods`, { token })).status).toBe(403);
    // Discovery paths are granted to everyone authenticated by the default roles.
    expect(await canI(c, { nonResourceAttributes: { path: "/healthz", verb: "get" } }, token)).toMatchObject({
      allowed: true,
    });
  });

  it("allows the admin everything", async () => {
    const { c } = await clusterWithNode();
    expect(
      await canI(c, { resourceAttributes: { verb: "*", group: "*", resource: "*", namespace: "kube-system" } }),
    ).toEqual({ allowed: true });
  });

  it("answers for a node as the node authorizer decides, with its reason", async () => {
    const { c, credential } = await clusterWithNode();
    const lease = { namespace: "kube-node-lease", verb: "update", group: "coordination.k8s.io", resource: "leases" };
    expect(await canI(c, { resourceAttributes: { ...lease, name: "pi-1" } }, credential)).toEqual({ allowed: true });
    expect(await canI(c, { resourceAttributes: { ...lease, name: "pi-2" } }, credential)).toEqual({
      allowed: false,
      reason: "nodes may not do this",
    });
    expect(
      await canI(c, { resourceAttributes: { namespace: "default", verb: "list", resource: "secrets" } }, credential),
    ).toEqual({ allowed: false, reason: "nodes may not do this" });
  });

  it("refuses a review with both kinds of attributes, or neither, naming the field", async () => {
    const { c } = await clusterWithNode();
    const review = (spec: unknown) => ({
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec,
    });
    const neither = await post(`${c}${AUTHZ}/selfsubjectaccessreviews`, review({}));
    expect(neither.status).toBe(422);
    expect(((await neither.json()) as { message: string }).message).toContain("spec.resourceAttributes: Invalid value");
    const both = await post(
      `${c}${AUTHZ}/selfsubjectaccessreviews`,
      review({ resourceAttributes: { verb: "get" }, nonResourceAttributes: { path: "/", verb: "get" } }),
    );
    expect(both.status).toBe(422);
    expect(((await both.json()) as { message: string }).message).toContain("spec.nonResourceAttributes");
    const wrongType = await post(`${c}${AUTHZ}/selfsubjectaccessreviews`, review({ resourceAttributes: { verb: 7 } }));
    expect(wrongType.status).toBe(400);
    expect(((await wrongType.json()) as { message: string }).message).toContain("spec.resourceAttributes.verb");
    expect((await call(`${c}${AUTHZ}/selfsubjectaccessreviews`)).status).toBe(405);
  });
});

describe("SelfSubjectRulesReview (kubectl auth can-i --list)", () => {
  it("lists a service account's rules in a namespace, and marks a node's list incomplete", async () => {
    const { c, credential } = await clusterWithNode();
    const token = await reader(c);
    const rules = async (namespace: string, t: string) => {
      const r = await post(
        `${c}${AUTHZ}/selfsubjectrulesreviews`,
        { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace } },
        t,
      );
      expect(r.status).toBe(201);
      return ((await r.json()) as { status: { resourceRules: unknown[]; incomplete: boolean } }).status;
    };
    const inDefault = await rules("default", token);
    expect(inDefault.incomplete).toBe(false);
    expect(inDefault.resourceRules).toContainEqual({ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] });
    expect((await rules("kube-system", token)).resourceRules).not.toContainEqual(
      expect.objectContaining({ resources: ["pods"] }),
    );
    expect((await rules("default", credential)).incomplete).toBe(true);
  });
});

describe("SelfSubjectReview (kubectl auth whoami)", () => {
  it("tells each caller who it is", async () => {
    const { c, credential } = await clusterWithNode();
    const token = await reader(c);
    const whoami = async (t?: string) => {
      const r = await post(
        `${c}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
        { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
        t,
      );
      expect(r.status).toBe(201);
      return ((await r.json()) as { status: { userInfo: Record<string, unknown> } }).status.userInfo;
    };
    expect(await whoami()).toEqual({ username: "kflare:admin", groups: ["system:masters", "system:authenticated"] });
    expect(await whoami(credential)).toEqual({
      username: "system:node:pi-1",
      groups: ["system:nodes", "system:authenticated"],
    });
    expect(await whoami(token)).toMatchObject({
      username: "system:serviceaccount:default:reader",
      groups: ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"],
      uid: expect.any(String),
    });
  });

  it("is served in discovery as create-only", async () => {
    const r = await call("/apis/authentication.k8s.io/v1");
    expect(r.status).toBe(200);
    expect(((await r.json()) as { resources: unknown[] }).resources).toContainEqual(
      expect.objectContaining({ name: "selfsubjectreviews", verbs: ["create"], namespaced: false }),
    );
  });
});
