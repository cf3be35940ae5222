// RBAC objects as `kubectl get` shows them. Roles and ClusterRoles have no printer upstream, so
// they get the default table (name, creation time); bindings show their role as Kind/name and, with
// -o wide, their subjects by kind (upstream's printRoleBinding and printClusterRoleBinding).

import type { KubeObject } from "../../../schemas/object.ts";
import { defaultPrinter } from "./default.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./format.ts";
import { rec, recs, str } from "./read.ts";
import type { Printer } from "./types.ts";

export const rolePrinter: Printer = defaultPrinter;

/** Subject names by kind; service accounts as "namespace/name" (a blank namespace stays blank). */
function subjectCells(subjects: unknown): [users: string, groups: string, serviceAccounts: string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of recs(subjects)) {
    const name = str(s.name);
    if (s.kind === "User") users.push(name);
    else if (s.kind === "Group") groups.push(name);
    else if (s.kind === "ServiceAccount") serviceAccounts.push(`${str(s.namespace)}/${name}`);
  }
  return [users.join(", "), groups.join(", "), serviceAccounts.join(", ")];
}

export const roleBindingPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Role", "string", "The Role or ClusterRole the binding grants, as Kind/name (roleRef)."),
    AGE_COLUMN,
    column("Users", "string", "Users in the roleBinding", true),
    column("Groups", "string", "Groups in the roleBinding", true),
    column("ServiceAccounts", "string", "ServiceAccounts in the roleBinding", true),
  ],
  print: (binding: KubeObject, now: number) => {
    const ref = rec(binding.roleRef);
    return {
      cells: [
        str(binding.metadata.name),
        `${str(ref.kind)}/${str(ref.name)}`,
        age(binding.metadata.creationTimestamp, now),
        ...subjectCells(binding.subjects),
      ],
    };
  },
};
