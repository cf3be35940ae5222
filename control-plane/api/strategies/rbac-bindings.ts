// Strategies of rbac.authorization.k8s.io/v1 RoleBinding and ClusterRoleBinding, with upstream's
// defaults (roleRef.apiGroup and User/Group subjects' apiGroup default to the RBAC group) and
// validation (pkg/apis/rbac/validation): the roleRef names a Role or ClusterRole of the RBAC group
// (a ClusterRoleBinding only a ClusterRole) and never changes; each subject is a ServiceAccount, User
// or Group, and a ServiceAccount in a ClusterRoleBinding must say which namespace it lives in (a
// RoleBinding's defaults to the binding's own).

import {
  type ClusterRoleBinding,
  clusterRoleBindingSchema,
  type RoleBinding,
  type RoleRef,
  roleBindingSchema,
  type Subject,
} from "../../../schemas/rbac/binding.ts";
import { isDNS1123Subdomain } from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { child, index, invalidEach, notSupported, required } from "./field.ts";
import { nameIsPathSegment } from "./meta.ts";

export const RBAC_GROUP = "rbac.authorization.k8s.io";
const SUBJECT_KINDS = ["ServiceAccount", "User", "Group"];

type Binding = RoleBinding | ClusterRoleBinding;

function applyBindingDefaults(binding: Binding): void {
  // Go's roleRef is a struct, never nil: a body without one still gets the defaulted group.
  binding.roleRef = { ...binding.roleRef, apiGroup: binding.roleRef?.apiGroup || RBAC_GROUP };
  for (const subject of binding.subjects ?? []) {
    if (!subject.apiGroup && (subject.kind === "User" || subject.kind === "Group")) subject.apiGroup = RBAC_GROUP;
  }
}

function validateSubject(subject: Subject, namespaced: boolean, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = subject.name ?? "";
  const apiGroup = subject.apiGroup ?? "";
  if (!name) causes.push(required(child(path, "name")));
  switch (subject.kind) {
    case "ServiceAccount":
      if (name) causes.push(...invalidEach(child(path, "name"), name, isDNS1123Subdomain(name)));
      if (apiGroup) causes.push(notSupported(child(path, "apiGroup"), apiGroup, [""]));
      if (!namespaced && !subject.namespace) causes.push(required(child(path, "namespace")));
      break;
    case "User":
    case "Group":
      if (apiGroup !== RBAC_GROUP) causes.push(notSupported(child(path, "apiGroup"), apiGroup, [RBAC_GROUP]));
      break;
    default:
      causes.push(notSupported(child(path, "kind"), subject.kind ?? "", SUBJECT_KINDS));
  }
  return causes;
}

function validateBinding(binding: Binding, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const ref = binding.roleRef ?? {};
  if (ref.apiGroup !== RBAC_GROUP) causes.push(notSupported("roleRef.apiGroup", ref.apiGroup ?? "", [RBAC_GROUP]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(ref.kind ?? "")) causes.push(notSupported("roleRef.kind", ref.kind ?? "", kinds));
  if (!ref.name) causes.push(required("roleRef.name"));
  else causes.push(...invalidEach("roleRef.name", ref.name, nameIsPathSegment(ref.name, false)));
  (binding.subjects ?? []).forEach((subject, i) => {
    causes.push(...validateSubject(subject, namespaced, index("subjects", i)));
  });
  return causes;
}

/** Go's %#v of the internal RoleRef, which is how upstream prints the refused new value. */
function goRoleRef(ref: RoleRef | undefined): string {
  const q = (v: string | undefined) => JSON.stringify(v ?? "");
  return `rbac.RoleRef{APIGroup:${q(ref?.apiGroup)}, Kind:${q(ref?.kind)}, Name:${q(ref?.name)}}`;
}

/** A binding's grant is its roleRef; changing it would regrant under the same name, so it is fixed. */
function validateRoleRefUpdate(binding: Binding, old: Binding): StatusCause[] {
  if (goRoleRef(binding.roleRef) === goRoleRef(old.roleRef)) return [];
  return [
    {
      reason: "FieldValueInvalid",
      message: `Invalid value: ${goRoleRef(binding.roleRef)}: cannot change roleRef`,
      field: "roleRef",
    },
  ];
}

export const roleBindingStrategy = defineStrategy<RoleBinding>({
  resource: resourceOf("rbac.authorization.k8s.io/v1", "RoleBinding"),
  schema: roleBindingSchema,
  nameCheck: nameIsPathSegment,
  hasStatus: false,
  tracksGeneration: false,
  applyDefaults: applyBindingDefaults,
  validate: (binding) => validateBinding(binding, true),
  validateUpdate: validateRoleRefUpdate,
});

export const clusterRoleBindingStrategy = defineStrategy<ClusterRoleBinding>({
  resource: resourceOf("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
  schema: clusterRoleBindingSchema,
  nameCheck: nameIsPathSegment,
  hasStatus: false,
  tracksGeneration: false,
  applyDefaults: applyBindingDefaults,
  validate: (binding) => validateBinding(binding, false),
  validateUpdate: validateRoleRefUpdate,
});
