import { describe, expect, it } from "vitest";
import type { Subject } from "../../../schemas/rbac/binding.ts";
import type { PolicyRule, Role } from "../../../schemas/rbac/role.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./bootstrap.ts";
import { compactRules, describeRule } from "./covers.ts";
import { confirmNoEscalation, covers, type EscalationResult, rulesFor } from "./escalation.ts";
import { clusterRole, clusterRoleBinding, GROUP, role, roleBinding } from "./testing.ts";
import type { RbacObjects, UserInfo } from "./types.ts";

/** The default roles and bindings, plus the test's own. */
function cluster(extra: Partial<RbacObjects> = {}): RbacObjects {
  return {
    roles: extra.roles ?? [],
    clusterRoles: [...bootstrapClusterRoles(), ...(extra.clusterRoles ?? [])],
    roleBindings: extra.roleBindings ?? [],
    clusterRoleBindings: [...bootstrapClusterRoleBindings(), ...(extra.clusterRoleBindings ?? [])],
  };
}

const ci: UserInfo = {
  name: "system:serviceaccount:a:ci",
  groups: ["system:serviceaccounts", "system:serviceaccounts:a", "system:authenticated"],
};
const ciSubject: Subject = { kind: "ServiceAccount", name: "ci", namespace: "a" };
const groupsText = '(groups=["system:serviceaccounts" "system:serviceaccounts:a" "system:authenticated"])';

/** ci bound to the default `edit` ClusterRole in namespace a, plus whatever else. */
function ciWithEdit(extra: Partial<RbacObjects> = {}): RbacObjects {
  const edit = roleBinding("a", "ci-edit", "ClusterRole", "edit", [ciSubject]);
  return cluster({ ...extra, roleBindings: [edit, ...(extra.roleBindings ?? [])] });
}

function denial(result: EscalationResult): { code: number; reason: string; message: string } {
  if (result.allowed) throw new Error("expected a denial");
  return result.status;
}

describe("covers", () => {
  const podsRead: PolicyRule = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] };

  it("covers atom by atom, across several owner rules", () => {
    const owner: PolicyRule[] = [
      { verbs: ["get"], apiGroups: ["", "apps"], resources: ["pods", "deployments"] },
      { verbs: ["list"], apiGroups: [""], resources: ["pods"] },
    ];
    expect(covers(owner, [podsRead])).toEqual({ covered: true, missing: [] });
    expect(covers(owner, [])).toEqual({ covered: true, missing: [] });
    expect(
      covers(owner, [{ verbs: ["get", "list", "watch", "delete"], apiGroups: [""], resources: ["pods"] }]),
    ).toEqual({ covered: false, missing: [{ verbs: ["watch", "delete"], apiGroups: [""], resources: ["pods"] }] });
  });

  it("owner wildcards cover anything; requested wildcards only an owner wildcard", () => {
    const all: PolicyRule = { verbs: ["*"], apiGroups: ["*"], resources: ["*"] };
    expect(covers([all], [{ verbs: ["escalate"], apiGroups: ["x.io"], resources: ["things/status"] }]).covered).toBe(
      true,
    );
    expect(covers([all], [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }]).covered).toBe(true);

    const specific: PolicyRule = { verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] };
    const owner: PolicyRule[] = [{ ...specific, apiGroups: [""], resources: ["pods"] }];
    expect(covers(owner, [{ verbs: ["*"], apiGroups: [""], resources: ["pods"] }]).missing).toEqual([
      { verbs: ["*"], apiGroups: [""], resources: ["pods"] },
    ]);
    expect(covers(owner, [{ verbs: ["get"], apiGroups: ["*"], resources: ["pods"] }]).covered).toBe(false);
    expect(covers(owner, [{ verbs: ["get"], apiGroups: [""], resources: ["*"] }]).covered).toBe(false);
  });

  it("subresources: exactly, by *, or by */subresource, never by the parent resource", () => {
    const log: PolicyRule = { verbs: ["get"], apiGroups: [""], resources: ["pods/log"] };
    const owns = (resources: string[]) => covers([{ verbs: ["get"], apiGroups: [""], resources }], [log]).covered;
    expect(owns(["pods/log"])).toBe(true);
    expect(owns(["*/log"])).toBe(true);
    expect(owns(["*"])).toBe(true);
    expect(owns(["pods"])).toBe(false);
    expect(owns(["*/exec"])).toBe(false);
    // A requested */log is not covered by one resource's log.
    const anyLog: PolicyRule = { ...log, resources: ["*/log"] };
    expect(covers([{ ...log, resources: ["pods/log"] }], [anyLog]).covered).toBe(false);
    expect(covers([{ ...log, resources: ["*/log"] }], [anyLog]).covered).toBe(true);
  });

  it("resourceNames narrow: a named owner rule covers only those names, never the whole resource", () => {
    const cm = { verbs: ["get"], apiGroups: [""], resources: ["configmaps"] };
    const named = { ...cm, resourceNames: ["app", "web"] };
    expect(covers([named], [{ ...cm, resourceNames: ["web"] }]).covered).toBe(true);
    expect(covers([named], [{ ...cm, resourceNames: ["web", "db"] }])).toEqual({
      covered: false,
      missing: [{ ...cm, resourceNames: ["db"] }],
    });
    expect(covers([named], [cm]).covered).toBe(false);
    expect(covers([cm], [named]).covered).toBe(true);
  });

  it("nonResourceURLs: equal, *, or a trailing * as a prefix; verbs still count", () => {
    const owner: PolicyRule[] = [{ verbs: ["get"], nonResourceURLs: ["/api/*", "/healthz"] }];
    const asks = (verb: string, url: string) => covers(owner, [{ verbs: [verb], nonResourceURLs: [url] }]).covered;
    expect(asks("get", "/healthz")).toBe(true);
    expect(asks("get", "/api/v1")).toBe(true);
    expect(asks("get", "/api/*")).toBe(true);
    expect(asks("get", "/api")).toBe(false);
    expect(asks("get", "/healthz/etcd")).toBe(false);
    expect(asks("get", "*")).toBe(false);
    expect(asks("post", "/api/v1")).toBe(false);
    expect(
      covers([{ verbs: ["*"], nonResourceURLs: ["*"] }], [{ verbs: ["get"], nonResourceURLs: ["/x"] }]).covered,
    ).toBe(true);
    // Resource rules never cover URLs, nor URL rules resources.
    const resources = [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }];
    expect(covers(resources, [{ verbs: ["get"], nonResourceURLs: ["/healthz"] }]).covered).toBe(false);
    expect(
      covers([{ verbs: ["*"], nonResourceURLs: ["*"] }], [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }])
        .covered,
    ).toBe(false);
  });

  it("compacts missing atoms that differ only in verbs, and leaves URL atoms alone", () => {
    const atoms: PolicyRule[] = [
      { verbs: ["get"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["get"], nonResourceURLs: ["/metrics"] },
      { verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["web"] },
      { verbs: ["list"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["post"], nonResourceURLs: ["/metrics"] },
    ];
    expect(compactRules(atoms)).toEqual([
      { verbs: ["get"], nonResourceURLs: ["/metrics"] },
      { verbs: ["post"], nonResourceURLs: ["/metrics"] },
      { verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] },
      { verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["web"] },
    ]);
  });

  it("describes a rule as upstream's message does", () => {
    expect(describeRule({ verbs: ["get", "list"], apiGroups: [""], resources: ["pods"] })).toBe(
      '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}',
    );
    expect(describeRule({ verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["web"] })).toBe(
      '{APIGroups:[""], Resources:["pods"], ResourceNames:["web"], Verbs:["get"]}',
    );
    expect(describeRule({ verbs: ["get"], nonResourceURLs: ["/metrics"] })).toBe(
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    );
  });
});

describe("rulesFor", () => {
  it("has ClusterRoleBindings everywhere and a namespace's RoleBindings only there", () => {
    const objects = ciWithEdit();
    const secrets = { verbs: ["get"], apiGroups: [""], resources: ["secrets"] };
    const discovery = { verbs: ["get"], nonResourceURLs: ["/apis/apps/v1"] };
    expect(covers(rulesFor(ci, "a", objects), [secrets, discovery]).covered).toBe(true);
    expect(covers(rulesFor(ci, "b", objects), [secrets]).covered).toBe(false);
    expect(covers(rulesFor(ci, "b", objects), [discovery]).covered).toBe(true);
    expect(covers(rulesFor(ci, "", objects), [secrets]).covered).toBe(false);
    expect(rulesFor({ name: "nobody", groups: [] }, "a", objects)).toEqual([]);
  });

  it("resolves aggregated ClusterRoles from the roles they select, not their stored rules", () => {
    const stale = cluster().clusterRoles.map((r) => (r.metadata.name === "edit" ? { ...r, rules: [] } : r));
    const objects = { ...ciWithEdit(), clusterRoles: stale };
    const write = { verbs: ["update"], apiGroups: ["apps"], resources: ["deployments"] };
    expect(covers(rulesFor(ci, "a", objects), [write]).covered).toBe(true);
  });
});

describe("confirmNoEscalation: roles", () => {
  it("refuses a Role granting what the user lacks, listing exactly what is missing", () => {
    const objects = ciWithEdit();
    const wanted = role("a", "endpoints-writer", [
      { verbs: ["get", "update", "patch"], apiGroups: [""], resources: ["endpoints", "secrets"] },
      { verbs: ["create"], apiGroups: [GROUP], resources: ["roles"] },
    ]);
    const status = denial(confirmNoEscalation(ci, wanted, objects));
    expect(status).toEqual({
      code: 403,
      reason: "Forbidden",
      message:
        `roles.rbac.authorization.k8s.io "endpoints-writer" is forbidden: user "system:serviceaccount:a:ci" ${groupsText}` +
        " is attempting to grant RBAC permissions not currently held:\n" +
        '{APIGroups:[""], Resources:["endpoints"], Verbs:["update" "patch"]}\n' +
        '{APIGroups:["rbac.authorization.k8s.io"], Resources:["roles"], Verbs:["create"]}',
      details: { name: "endpoints-writer", group: GROUP, kind: "roles" },
    });
  });

  it("allows a Role with rules the user holds in that namespace, and only there", () => {
    const objects = ciWithEdit();
    const rules = [
      { verbs: ["get", "list"], apiGroups: [""], resources: ["secrets", "pods/log"] },
      { verbs: ["update"], apiGroups: ["apps"], resources: ["deployments/scale"], resourceNames: ["web"] },
    ];
    expect(confirmNoEscalation(ci, role("a", "reader", rules), objects)).toEqual({ allowed: true });
    expect(confirmNoEscalation(ci, role("b", "reader", rules), objects).allowed).toBe(false);
    // A ClusterRole is judged on cluster-wide rules, which a RoleBinding never gives.
    expect(confirmNoEscalation(ci, clusterRole("reader", rules), objects).allowed).toBe(false);
  });

  it("refuses a requested wildcard the user holds only piecewise", () => {
    const wanted = role("a", "all-pods", [{ verbs: ["*"], apiGroups: [""], resources: ["pods"] }]);
    const status = denial(confirmNoEscalation(ci, wanted, ciWithEdit()));
    expect(status.message).toMatch(/not currently held:\n\{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["\*"\]\}$/);
  });

  it("with escalate on roles, allows any Role in that namespace", () => {
    const escalator = role("a", "escalator", [{ verbs: ["escalate"], apiGroups: [GROUP], resources: ["roles"] }]);
    const objects = ciWithEdit({
      roles: [escalator],
      roleBindings: [roleBinding("a", "ci-escalate", "Role", "escalator", [ciSubject])],
    });
    const god = [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }];
    expect(confirmNoEscalation(ci, role("a", "god", god), objects)).toEqual({ allowed: true });
    expect(confirmNoEscalation(ci, role("b", "god", god), objects).allowed).toBe(false);
    expect(confirmNoEscalation(ci, clusterRole("god", god), objects).allowed).toBe(false);
  });

  it("escalate limited to a name applies to updates only, as a create has no name to check", () => {
    const named = { verbs: ["escalate"], apiGroups: [GROUP], resources: ["roles"], resourceNames: ["god"] };
    const objects = ciWithEdit({
      roles: [role("a", "escalator", [named])],
      roleBindings: [roleBinding("a", "ci-escalate", "Role", "escalator", [ciSubject])],
    });
    const god = role("a", "god", [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }]);
    expect(confirmNoEscalation(ci, god, objects).allowed).toBe(false);
    expect(confirmNoEscalation(ci, god, objects, { old: role("a", "god", []) })).toEqual({ allowed: true });
    const other = { ...god, metadata: { name: "other", namespace: "a" } };
    expect(confirmNoEscalation(ci, other, objects, { old: other }).allowed).toBe(false);
  });

  it("an aggregationRule takes full authority, on create and when removed by an update", () => {
    const aggregated = clusterRole("team", [], {
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { "example.com/aggregate-to-team": "true" } }] },
    });
    const alice: UserInfo = { name: "alice", groups: ["system:authenticated"] };
    const aliceSubject: Subject = { kind: "User", apiGroup: GROUP, name: "alice" };
    const asAdmin = cluster({ clusterRoleBindings: [clusterRoleBinding("alice", "admin", [aliceSubject])] });
    expect(denial(confirmNoEscalation(alice, aggregated, asAdmin))).toEqual({
      code: 403,
      reason: "Forbidden",
      message:
        'clusterroles.rbac.authorization.k8s.io "team" is forbidden: must have cluster-admin privileges to use the aggregationRule',
      details: { name: "team", group: GROUP, kind: "clusterroles" },
    });
    const plain = clusterRole("team", []);
    expect(confirmNoEscalation(alice, plain, asAdmin).allowed).toBe(true);
    expect(confirmNoEscalation(alice, plain, asAdmin, { old: aggregated }).allowed).toBe(false);

    const asClusterAdmin = cluster({
      clusterRoleBindings: [clusterRoleBinding("alice", "cluster-admin", [aliceSubject])],
    });
    expect(confirmNoEscalation(alice, aggregated, asClusterAdmin)).toEqual({ allowed: true });
  });

  it("system:masters may write anything", () => {
    const root: UserInfo = { name: "root", groups: ["system:masters"] };
    const god = clusterRole("god", [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }]);
    expect(confirmNoEscalation(root, god, cluster({ clusterRoleBindings: [] }))).toEqual({ allowed: true });
  });

  it("names no object when the create has only a generateName", () => {
    const wanted: Role = { ...role("a", "", [{ verbs: ["escalate"], apiGroups: [GROUP], resources: ["roles"] }]) };
    wanted.metadata = { generateName: "r-", namespace: "a" };
    expect(denial(confirmNoEscalation(ci, wanted, ciWithEdit())).message).toMatch(
      /^roles\.rbac\.authorization\.k8s\.io is forbidden: user /,
    );
  });

  it("appends why some of the user's bindings granted nothing", () => {
    const objects = ciWithEdit({ roleBindings: [roleBinding("a", "ci-gone", "Role", "gone", [ciSubject])] });
    const wanted = role("a", "x", [{ verbs: ["delete"], apiGroups: [""], resources: ["nodes"] }]);
    expect(denial(confirmNoEscalation(ci, wanted, objects)).message).toMatch(
      /Verbs:\["delete"\]\}; resolution errors: \[roles\.rbac\.authorization\.k8s\.io "gone" not found\]$/,
    );
  });
});

describe("confirmNoEscalation: bindings", () => {
  const bindToCi = (roleKind: string, roleName: string, namespace = "a") =>
    roleBinding(namespace, "grant", roleKind, roleName, [{ kind: "ServiceAccount", name: "deployer", namespace }]);

  it("refuses to bind cluster-admin in its namespace, listing what it lacks", () => {
    const status = denial(confirmNoEscalation(ci, bindToCi("ClusterRole", "cluster-admin"), ciWithEdit()));
    expect(status.code).toBe(403);
    expect(status.message).toBe(
      `rolebindings.rbac.authorization.k8s.io "grant" is forbidden: user "system:serviceaccount:a:ci" ${groupsText}` +
        " is attempting to grant RBAC permissions not currently held:\n" +
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n' +
        '{NonResourceURLs:["*"], Verbs:["*"]}',
    );
  });

  it("allows binding view and edit in its namespace, but not elsewhere nor cluster-wide", () => {
    const objects = ciWithEdit();
    expect(confirmNoEscalation(ci, bindToCi("ClusterRole", "view"), objects)).toEqual({ allowed: true });
    expect(confirmNoEscalation(ci, bindToCi("ClusterRole", "edit"), objects)).toEqual({ allowed: true });
    expect(confirmNoEscalation(ci, bindToCi("ClusterRole", "admin"), objects).allowed).toBe(false);
    expect(confirmNoEscalation(ci, bindToCi("ClusterRole", "view", "b"), objects).allowed).toBe(false);
    const crb = clusterRoleBinding("grant", "view", [{ kind: "ServiceAccount", name: "deployer", namespace: "a" }]);
    expect(denial(confirmNoEscalation(ci, crb, objects)).message).toMatch(
      /^clusterrolebindings\.rbac\.authorization\.k8s\.io "grant" is forbidden: /,
    );
  });

  it("a namespace admin may hand out admin there", () => {
    const objects = cluster({ roleBindings: [roleBinding("a", "ci-admin", "ClusterRole", "admin", [ciSubject])] });
    expect(confirmNoEscalation(ci, bindToCi("ClusterRole", "admin"), objects)).toEqual({ allowed: true });
  });

  it("binds a Role of the binding's namespace by its rules", () => {
    const small = role("a", "small", [{ verbs: ["get"], apiGroups: [""], resources: ["configmaps"] }]);
    const big = role("a", "big", [{ verbs: ["*"], apiGroups: [""], resources: ["configmaps"] }]);
    const objects = ciWithEdit({ roles: [small, big] });
    expect(confirmNoEscalation(ci, bindToCi("Role", "small"), objects)).toEqual({ allowed: true });
    expect(confirmNoEscalation(ci, bindToCi("Role", "big"), objects).allowed).toBe(false);
  });

  it("with bind on clusterroles/cluster-admin, may bind it, only where bind is granted", () => {
    const binder = clusterRole("cluster-admin-binder", [
      { verbs: ["bind"], apiGroups: [GROUP], resources: ["clusterroles"], resourceNames: ["cluster-admin"] },
    ]);
    const objects = ciWithEdit({
      clusterRoles: [binder],
      roleBindings: [roleBinding("a", "ci-binder", "ClusterRole", "cluster-admin-binder", [ciSubject])],
    });
    expect(confirmNoEscalation(ci, bindToCi("ClusterRole", "cluster-admin"), objects)).toEqual({ allowed: true });
    expect(confirmNoEscalation(ci, bindToCi("ClusterRole", "cluster-admin", "b"), objects).allowed).toBe(false);
    const crb = clusterRoleBinding("grant", "cluster-admin", [
      { kind: "ServiceAccount", name: "deployer", namespace: "a" },
    ]);
    expect(confirmNoEscalation(ci, crb, objects).allowed).toBe(false);
    // bind on cluster-admin is not bind on a Role of the same name.
    const sameName = role("a", "cluster-admin", [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }]);
    const withRole = { ...objects, roles: [sameName] };
    expect(confirmNoEscalation(ci, bindToCi("Role", "cluster-admin"), withRole).allowed).toBe(false);
  });

  it("a roleRef to a missing role fails with the lookup's NotFound, unless bind allows it", () => {
    const objects = ciWithEdit();
    expect(denial(confirmNoEscalation(ci, bindToCi("ClusterRole", "nope"), objects))).toEqual({
      code: 404,
      reason: "NotFound",
      message: 'clusterroles.rbac.authorization.k8s.io "nope" not found',
      details: { name: "nope", group: GROUP, kind: "clusterroles" },
    });
    expect(denial(confirmNoEscalation(ci, bindToCi("Role", "nope"), objects)).message).toBe(
      'roles.rbac.authorization.k8s.io "nope" not found',
    );
    const anyBind = clusterRole("binder", [{ verbs: ["bind"], apiGroups: [GROUP], resources: ["clusterroles"] }]);
    const withBind = ciWithEdit({
      clusterRoles: [anyBind],
      roleBindings: [roleBinding("a", "ci-binder", "ClusterRole", "binder", [ciSubject])],
    });
    expect(confirmNoEscalation(ci, bindToCi("ClusterRole", "nope"), withBind)).toEqual({ allowed: true });
  });
});
