// The Deployment strategy (apps/v1): upstream's defaults (1 replica, RollingUpdate 25%/25%, 10
// revisions, 600 s progress deadline, template pod defaults), validation, an immutable selector, and
// a status cleared on create (the controller fills it).

import { type Deployment, deploymentSchema, type RollingUpdateDeployment } from "../../../schemas/apps/deployment.ts";
import { isValidPercent } from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { child, forbidden, immutable, invalid, invalidEach, nonNegative, notSupported, required } from "./field.ts";
import { defaultPodSpec } from "./pod-defaults.ts";
import { validateWorkloadSelector, validateWorkloadTemplate } from "./workload-validation.ts";

export function applyDeploymentDefaults(d: Deployment): void {
  d.spec ??= {};
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  const strategy = spec.strategy;
  strategy.type ||= "RollingUpdate";
  if (strategy.type === "RollingUpdate") {
    strategy.rollingUpdate ??= {};
    const rolling = strategy.rollingUpdate;
    rolling.maxUnavailable ??= "25%";
    rolling.maxSurge ??= "25%";
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.template ??= {};
  const template = spec.template;
  template.spec ??= {};
  defaultPodSpec(template.spec);
}

function validateIntOrPercent(value: string | number | undefined, path: string): StatusCause[] {
  if (typeof value === "string") return invalidEach(path, value, isValidPercent(value));
  return nonNegative(path, value);
}

function intOrPercentValue(value: string | number | undefined): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^[0-9]+%$/.test(value)) return Number.parseInt(value, 10);
  return -1;
}

function validateRollingUpdate(r: RollingUpdateDeployment, path: string): StatusCause[] {
  const maxUnavailablePath = child(path, "maxUnavailable");
  const causes = validateIntOrPercent(r.maxUnavailable, maxUnavailablePath);
  causes.push(...validateIntOrPercent(r.maxSurge, child(path, "maxSurge")));
  if (intOrPercentValue(r.maxUnavailable) === 0 && intOrPercentValue(r.maxSurge) === 0) {
    causes.push(invalid(maxUnavailablePath, r.maxUnavailable, "may not be 0 when `maxSurge` is 0"));
  }
  if (typeof r.maxUnavailable === "string" && intOrPercentValue(r.maxUnavailable) > 100) {
    causes.push(invalid(maxUnavailablePath, r.maxUnavailable, "must not be greater than 100%"));
  }
  return causes;
}

export function validateDeployment(d: Deployment): StatusCause[] {
  const spec = d.spec ?? {};
  const causes = nonNegative("spec.replicas", spec.replicas);
  causes.push(...validateWorkloadSelector(spec.selector, "spec.selector"));
  causes.push(...validateWorkloadTemplate(spec.template, spec.selector, "spec.template"));
  const strategy = spec.strategy ?? {};
  switch (strategy.type) {
    case "Recreate":
      if (strategy.rollingUpdate) {
        causes.push(
          forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"),
        );
      }
      break;
    case "RollingUpdate":
      if (!strategy.rollingUpdate) {
        causes.push(required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
      } else {
        causes.push(...validateRollingUpdate(strategy.rollingUpdate, "spec.strategy.rollingUpdate"));
      }
      break;
    default:
      causes.push(notSupported("spec.strategy.type", strategy.type ?? "", ["Recreate", "RollingUpdate"]));
  }
  causes.push(...nonNegative("spec.minReadySeconds", spec.minReadySeconds));
  causes.push(...nonNegative("spec.revisionHistoryLimit", spec.revisionHistoryLimit));
  if (spec.progressDeadlineSeconds !== undefined) {
    causes.push(...nonNegative("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      causes.push(
        invalid("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds, "must be greater than minReadySeconds"),
      );
    }
  }
  return causes;
}

export const deploymentStrategy = defineStrategy<Deployment>({
  resource: resourceOf("apps/v1", "Deployment"),
  schema: deploymentSchema,
  hasStatus: true,
  tracksGeneration: true,
  applyDefaults: applyDeploymentDefaults,
  validate: validateDeployment,
  validateUpdate: (d, old) => immutable("spec.selector", d.spec?.selector, old.spec?.selector),
  prepareForCreate: (d) => {
    d.status = {};
  },
});
