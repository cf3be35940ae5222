// Validation shared by Deployments and ReplicaSets (apps/v1): the selector, and the pod template that
// must carry the labels the selector asks for, always restart and have no active deadline.

import type { PodTemplateSpec } from "../../../schemas/core/pod-spec.ts";
import type { LabelSelector } from "../../../schemas/meta.ts";
import type { StatusCause } from "../errors.ts";
import { child, forbidden, invalid, notSupported, required } from "./field.ts";
import { selectorIsEmpty, selectorMatches, validateLabelSelector } from "./meta.ts";
import { validatePodTemplateSpec } from "./pod-validation.ts";

/** The selector rules both kinds share (upstream words the empty case "for deployment" for both). */
export function validateWorkloadSelector(selector: LabelSelector | undefined, path: string): StatusCause[] {
  if (!selector) return [required(path)];
  const causes = validateLabelSelector(selector, path);
  if (selectorIsEmpty(selector)) causes.push(invalid(path, {}, "empty selector is invalid for deployment"));
  return causes;
}

/** ValidatePodTemplateSpecForReplicaSet. */
export function validateWorkloadTemplate(
  template: PodTemplateSpec | undefined,
  selector: LabelSelector | undefined,
  path: string,
): StatusCause[] {
  if (!template) return [required(path)];
  const causes: StatusCause[] = [];
  if (selector && !selectorIsEmpty(selector) && !selectorMatches(selector, template.metadata?.labels)) {
    causes.push(
      invalid(
        child(path, "metadata", "labels"),
        template.metadata?.labels ?? {},
        "`selector` does not match template `labels`",
      ),
    );
  }
  causes.push(...validatePodTemplateSpec(template, path));
  const restart = template.spec?.restartPolicy ?? "";
  if (restart !== "Always") causes.push(notSupported(child(path, "spec", "restartPolicy"), restart, ["Always"]));
  if (template.spec?.activeDeadlineSeconds !== undefined) {
    causes.push(
      forbidden(child(path, "spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicaSet is not Supported"),
    );
  }
  return causes;
}
