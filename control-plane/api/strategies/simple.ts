// Strategies of the kinds with little of their own to check: ServiceAccount, Lease, RuntimeClass.

import { type Lease, leaseSchema } from "../../../schemas/coordination/lease.ts";
import { type ServiceAccount, serviceAccountSchema } from "../../../schemas/core/config.ts";
import { type RuntimeClass, runtimeClassSchema } from "../../../schemas/node/runtimeclass.ts";
import { isDNS1123Label } from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { forbidden, immutable, invalid, invalidEach, notSupported, required } from "./field.ts";
import { validateLabels } from "./meta.ts";
import { validateTolerations } from "./pod-validation.ts";
import { validateResourceRequirements } from "./resources-validation.ts";

export const serviceAccountStrategy = defineStrategy<ServiceAccount>({
  resource: resourceOf("v1", "ServiceAccount"),
  schema: serviceAccountSchema,
  hasStatus: false,
  tracksGeneration: false,
});

export function validateLease(lease: Lease): StatusCause[] {
  const spec = lease.spec ?? {};
  const causes: StatusCause[] = [];
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    causes.push(invalid("spec.leaseDurationSeconds", spec.leaseDurationSeconds, "must be greater than 0"));
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    causes.push(invalid("spec.leaseTransitions", spec.leaseTransitions, "must be greater than or equal to 0"));
  }
  if (spec.strategy && spec.strategy !== "OldestEmulationVersion") {
    causes.push(notSupported("spec.strategy", spec.strategy, ["OldestEmulationVersion"]));
  }
  if (spec.preferredHolder && !spec.strategy) {
    causes.push(forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
  }
  return causes;
}

export const leaseStrategy = defineStrategy<Lease>({
  resource: resourceOf("coordination.k8s.io/v1", "Lease"),
  schema: leaseSchema,
  hasStatus: false,
  tracksGeneration: false,
  validate: validateLease,
});

export function validateRuntimeClass(rc: RuntimeClass): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!rc.handler) causes.push(required("handler"));
  else causes.push(...invalidEach("handler", rc.handler, isDNS1123Label(rc.handler)));
  if (rc.overhead?.podFixed) {
    causes.push(...validateResourceRequirements({ limits: rc.overhead.podFixed }, "overhead.podFixed"));
  }
  causes.push(...validateLabels(rc.scheduling?.nodeSelector, "scheduling.nodeSelector"));
  causes.push(...validateTolerations(rc.scheduling?.tolerations, "scheduling.tolerations"));
  return causes;
}

export const runtimeClassStrategy = defineStrategy<RuntimeClass>({
  resource: resourceOf("node.k8s.io/v1", "RuntimeClass"),
  schema: runtimeClassSchema,
  hasStatus: false,
  tracksGeneration: false,
  validate: validateRuntimeClass,
  validateUpdate: (rc, old) => immutable("handler", rc.handler, old.handler),
});
