// Defaults, create-time preparation and validation of an object of one kind: what every write
// goes through, from HTTP clients (after decoding) and from controllers alike.

import type { KubeObject } from "../../schemas/object.ts";
import type { ResourceType } from "../../schemas/registry.ts";
import { invalid } from "./errors.ts";
import { strategyFor } from "./strategies/index.ts";
import { setDefaultTolerationSeconds } from "./strategies/pod-admission.ts";

/** Admission settings from the deployment's configuration (wrangler [vars]). */
export function configureAdmission(vars: { DEFAULT_TOLERATION_SECONDS?: string }): void {
  if (vars.DEFAULT_TOLERATION_SECONDS !== undefined)
    setDefaultTolerationSeconds(Number(vars.DEFAULT_TOLERATION_SECONDS));
}

export function admitObject(rt: ResourceType, object: KubeObject, create: boolean): void {
  const strategy = strategyFor(rt);
  strategy.applyDefaults(object);
  if (create) strategy.prepareForCreate(object);
  const causes = strategy.validate(object);
  if (causes.length > 0)
    throw invalid(rt.kind, object.metadata.name ?? object.metadata.generateName ?? "", causes, rt.group);
}
