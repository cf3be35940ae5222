// The ReplicaSet strategy (apps/v1): 1 replica by default, template pod defaults, the selector
// rules Deployments share, an immutable selector, and a status cleared on create.

import { type ReplicaSet, replicaSetSchema } from "../../../schemas/apps/replicaset.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { immutable, nonNegative } from "./field.ts";
import { defaultPodSpec } from "./pod-defaults.ts";
import { validateWorkloadSelector, validateWorkloadTemplate } from "./workload-validation.ts";

export function applyReplicaSetDefaults(rs: ReplicaSet): void {
  rs.spec ??= {};
  const spec = rs.spec;
  spec.replicas ??= 1;
  spec.template ??= {};
  const template = spec.template;
  template.spec ??= {};
  defaultPodSpec(template.spec);
}

export function validateReplicaSet(rs: ReplicaSet): StatusCause[] {
  const spec = rs.spec ?? {};
  const causes = nonNegative("spec.replicas", spec.replicas);
  causes.push(...nonNegative("spec.minReadySeconds", spec.minReadySeconds));
  causes.push(...validateWorkloadSelector(spec.selector, "spec.selector"));
  causes.push(...validateWorkloadTemplate(spec.template, spec.selector, "spec.template"));
  return causes;
}

export const replicaSetStrategy = defineStrategy<ReplicaSet>({
  resource: resourceOf("apps/v1", "ReplicaSet"),
  schema: replicaSetSchema,
  hasStatus: true,
  tracksGeneration: true,
  applyDefaults: applyReplicaSetDefaults,
  validate: validateReplicaSet,
  validateUpdate: (rs, old) => immutable("spec.selector", rs.spec?.selector, old.spec?.selector),
  prepareForCreate: (rs) => {
    rs.status = {};
  },
});
