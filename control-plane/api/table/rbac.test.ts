import { describe, expect, it } from "vitest";
import { roleBindingPrinter, rolePrinter } from "./rbac.ts";
import { ago, MINUTE, NOW, obj } from "./testing.ts";

const API = "rbac.authorization.k8s.io/v1";

describe("role printer", () => {
  it("prints the name and the creation time as an RFC 3339 date", () => {
    expect(rolePrinter.columns.map((c) => [c.name, c.type])).toEqual([
      ["Name", "string"],
      ["Created At", "date"],
    ]);
    const role = obj(API, "ClusterRole", { rules: [] }, { creationTimestamp: ago(5 * MINUTE) });
    expect(rolePrinter.print(role, NOW).cells).toEqual(["x", "2025-06-01T11:55:00Z"]);
  });
});

describe("role binding printer", () => {
  it("has upstream's columns, the subjects only with -o wide", () => {
    expect(roleBindingPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      "Name:0",
      "Role:0",
      "Age:0",
      "Users:1",
      "Groups:1",
      "ServiceAccounts:1",
    ]);
  });

  it("prints the role as Kind/name and the subjects by kind", () => {
    const binding = obj(API, "RoleBinding", {
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [
        { kind: "User", name: "alice" },
        { kind: "ServiceAccount", name: "ci", namespace: "a" },
        { kind: "User", name: "bob" },
        { kind: "Group", name: "devs" },
        { kind: "ServiceAccount", name: "local" },
      ],
    });
    expect(roleBindingPrinter.print(binding, NOW).cells).toEqual([
      "x",
      "ClusterRole/view",
      "5m",
      "alice, bob",
      "devs",
      "a/ci, /local",
    ]);
  });

  it("prints a binding without subjects", () => {
    const binding = obj(API, "ClusterRoleBinding", { roleRef: { kind: "ClusterRole", name: "cluster-admin" } });
    expect(roleBindingPrinter.print(binding, NOW).cells).toEqual(["x", "ClusterRole/cluster-admin", "5m", "", "", ""]);
  });
});
