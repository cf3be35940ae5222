// The Namespace strategy: a new namespace is Active and carries the "kubernetes" finalizer (the
// namespace controller removes it once the contents are gone); it is labelled with its own name.

import { type Namespace, namespaceSchema } from "../../../schemas/core/namespace.ts";
import { isQualifiedName } from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { invalid, invalidEach, notSupported } from "./field.ts";
import { nameIsDNSLabel, STANDARD_FINALIZERS } from "./meta.ts";

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export function applyNamespaceDefaults(ns: Namespace): void {
  if (ns.metadata.name) {
    ns.metadata.labels ??= {};
    ns.metadata.labels[NAMESPACE_NAME_LABEL] = ns.metadata.name;
  }
  ns.status ??= {};
  const status = ns.status;
  status.phase ||= "Active";
}

export function prepareNamespaceForCreate(ns: Namespace): void {
  ns.status = { phase: "Active" };
  ns.spec ??= {};
  const spec = ns.spec;
  spec.finalizers ??= [];
  const finalizers = spec.finalizers;
  if (!finalizers.includes("kubernetes")) finalizers.push("kubernetes");
}

export function validateNamespace(ns: Namespace): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const f of ns.spec?.finalizers ?? []) {
    causes.push(...invalidEach("spec.finalizers", f, isQualifiedName(f)));
    if (!f.includes("/") && !STANDARD_FINALIZERS.has(f)) {
      causes.push(invalid("spec.finalizers", f, "name is neither a standard finalizer name nor is it fully qualified"));
    }
  }
  const phase = ns.status?.phase;
  if (phase && phase !== "Active" && phase !== "Terminating") {
    causes.push(notSupported("status.phase", phase, ["Active", "Terminating"]));
  }
  return causes;
}

export const namespaceStrategy = defineStrategy<Namespace>({
  resource: resourceOf("v1", "Namespace"),
  schema: namespaceSchema,
  nameCheck: nameIsDNSLabel,
  hasStatus: true,
  tracksGeneration: false,
  applyDefaults: applyNamespaceDefaults,
  validate: validateNamespace,
  prepareForCreate: prepareNamespaceForCreate,
});
