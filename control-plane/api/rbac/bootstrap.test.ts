import { describe, expect, it } from "vitest";
import type { RoleBinding } from "../../../schemas/rbac/binding.ts";
import { resourceOf } from "../strategies/base.ts";
import { strategyFor } from "../strategies/index.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapRbacObjects } from "./bootstrap.ts";
import { evaluate, type RbacObjects, type ResourceAttributes, type UserInfo } from "./evaluate.ts";

function defaults(roleBindings: RoleBinding[] = []): RbacObjects {
  return {
    roles: [],
    clusterRoles: bootstrapClusterRoles(),
    roleBindings,
    clusterRoleBindings: bootstrapClusterRoleBindings(),
  };
}

function bindRole(namespace: string, role: string, serviceAccount: string): RoleBinding {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: `${serviceAccount}-${role}`, namespace },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace }],
  };
}

const ci: UserInfo = {
  name: "system:serviceaccount:a:ci",
  groups: ["system:serviceaccounts", "system:serviceaccounts:a", "system:authenticated"],
};
function request(
  verb: string,
  resource: string,
  namespace: string,
  extra: Partial<ResourceAttributes> = {},
): ResourceAttributes {
  return { verb, apiGroup: "", resource, namespace, ...extra };
}

describe("bootstrap objects", () => {
  it("are valid objects as the API would store them, marked as upstream marks its defaults", () => {
    const objects = bootstrapRbacObjects();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toContain("ClusterRoleBinding/cluster-admin");
    for (const obj of objects) {
      const strategy = strategyFor(resourceOf(obj.apiVersion, obj.kind));
      const { object } = strategy.decode(obj, "Strict");
      strategy.applyDefaults(object);
      expect(strategy.validate(object), `${obj.kind}/${obj.metadata.name}`).toEqual([]);
      expect(obj.metadata.labels?.["kubernetes.io/bootstrapping"]).toBe("rbac-defaults");
      expect(obj.metadata.annotations?.["rbac.authorization.kubernetes.io/autoupdate"]).toBe("true");
    }
  });

  it("store admin, edit and view with the rules they aggregate (view within edit within admin)", () => {
    const byName = new Map(bootstrapClusterRoles().map((r) => [r.metadata.name, r]));
    const rules = (name: string) => JSON.stringify(byName.get(name)?.rules ?? []);
    const view = byName.get("view")?.rules ?? [];
    expect(view.length).toBeGreaterThan(0);
    for (const rule of view) expect(rules("edit")).toContain(JSON.stringify(rule));
    for (const rule of byName.get("edit")?.rules ?? []) expect(rules("admin")).toContain(JSON.stringify(rule));
    expect(rules("admin")).toContain('"rolebindings"');
    expect(rules("edit")).not.toContain('"rolebindings"');
  });
});

describe("default policy", () => {
  it("system:masters may do anything, including non-resource URLs", () => {
    const admin: UserInfo = { name: "kflare:admin", groups: ["system:masters", "system:authenticated"] };
    expect(evaluate(admin, request("delete", "nodes", "", { name: "n1" }), defaults())).toEqual({
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    });
    expect(evaluate(admin, { verb: "post", nonResourcePath: "/anything" }, defaults()).allowed).toBe(true);
  });

  it("any authenticated user may read discovery, health and version, and review itself, but nothing else", () => {
    const nobody: UserInfo = { name: "nobody", groups: ["system:authenticated"] };
    for (const path of ["/api", "/apis/apps/v1", "/openapi/v3", "/version", "/healthz", "/livez", "/readyz"]) {
      expect(evaluate(nobody, { verb: "get", nonResourcePath: path }, defaults()).allowed, path).toBe(true);
    }
    expect(evaluate(nobody, { verb: "get", nonResourcePath: "/metrics" }, defaults()).allowed).toBe(false);
    const review = { verb: "create", apiGroup: "authorization.k8s.io", resource: "selfsubjectaccessreviews" };
    expect(evaluate(nobody, review, defaults()).allowed).toBe(true);
    expect(evaluate(nobody, request("list", "pods", "default"), defaults()).allowed).toBe(false);
  });

  it("a service account bound to view in a can read pods in a, not in b, and no secrets", () => {
    const rbac = defaults([bindRole("a", "view", "ci")]);
    expect(evaluate(ci, request("list", "pods", "a"), rbac)).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "ci-view/a" of ClusterRole "view" to ServiceAccount "ci/a"',
    });
    expect(evaluate(ci, request("get", "pods", "a", { subresource: "log", name: "web" }), rbac).allowed).toBe(true);
    expect(evaluate(ci, request("list", "deployments", "a", { apiGroup: "apps" }), rbac).allowed).toBe(true);
    expect(evaluate(ci, request("list", "pods", "b"), rbac).allowed).toBe(false);
    expect(evaluate(ci, request("get", "secrets", "a", { name: "token" }), rbac).allowed).toBe(false);
    expect(evaluate(ci, request("delete", "pods", "a", { name: "web" }), rbac).allowed).toBe(false);
    expect(evaluate(ci, request("create", "pods", "a", { subresource: "exec", name: "web" }), rbac).allowed).toBe(
      false,
    );
  });

  it("edit adds writes, secrets and exec; admin adds roles and bindings", () => {
    const edit = defaults([bindRole("a", "edit", "ci")]);
    expect(evaluate(ci, request("get", "secrets", "a", { name: "token" }), edit).allowed).toBe(true);
    expect(evaluate(ci, request("create", "pods", "a", { subresource: "exec", name: "web" }), edit).allowed).toBe(true);
    const scale = request("update", "deployments", "a", { apiGroup: "apps", subresource: "scale", name: "web" });
    expect(evaluate(ci, scale, edit).allowed).toBe(true);
    expect(evaluate(ci, request("list", "pods", "a"), edit).allowed).toBe(true);
    const bindings = request("create", "rolebindings", "a", { apiGroup: "rbac.authorization.k8s.io" });
    expect(evaluate(ci, bindings, edit).allowed).toBe(false);
    expect(evaluate(ci, bindings, defaults([bindRole("a", "admin", "ci")])).allowed).toBe(true);
    expect(
      evaluate(ci, request("delete", "namespaces", "", { name: "a" }), defaults([bindRole("a", "admin", "ci")]))
        .allowed,
    ).toBe(false);
  });
});
