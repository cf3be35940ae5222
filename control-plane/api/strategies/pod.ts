// The Pod strategy: defaults, admission on create (service account, tolerations, priority, Pending
// status with a QoS class), validation and the narrow set of updates a Pod allows. Pods bump
// metadata.generation on spec changes, as kube-apiserver does since pod generation tracking.

import { type Pod, podSchema } from "../../../schemas/core/pod.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { addDefaultTolerations, admitNewPod } from "./pod-admission.ts";
import { applyPodOnlyDefaults, defaultPodSpec } from "./pod-defaults.ts";
import { validatePodUpdate } from "./pod-update.ts";
import { validatePodSpec } from "./pod-validation.ts";

export function applyPodDefaults(pod: Pod): void {
  pod.spec ??= {};
  const spec = pod.spec;
  defaultPodSpec(spec);
  applyPodOnlyDefaults(spec);
  // DefaultTolerationSeconds admits updates as well as creates, so it runs with the defaults.
  addDefaultTolerations(spec);
}

export const podStrategy = defineStrategy<Pod>({
  resource: resourceOf("v1", "Pod"),
  schema: podSchema,
  hasStatus: true,
  tracksGeneration: true,
  applyDefaults: applyPodDefaults,
  validate: (pod) => validatePodSpec(pod.spec, "spec"),
  validateUpdate: validatePodUpdate,
  prepareForCreate: admitNewPod,
});
