// What a Pod update may change (ValidatePodUpdate): container and init container images,
// activeDeadlineSeconds (set or lowered), tolerations (additions only), and a negative
// terminationGracePeriodSeconds raised to 1. Anything else in spec is refused with upstream's message.

import type { Toleration } from "../../../schemas/core/common.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import type { PodSpec } from "../../../schemas/core/pod-spec.ts";
import { inclusiveRangeError } from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { deepEqual, forbidden, formatValue, invalid } from "./field.ts";

export const POD_UPDATE_FORBIDDEN =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

const MAX_INT32 = 2 ** 31 - 1;

function sameToleration(a: Toleration, b: Toleration): boolean {
  return a.key === b.key && a.operator === b.operator && a.value === b.value && a.effect === b.effect;
}

/** Old tolerations must all remain; a NoExecute one may only lower its tolerationSeconds. */
function validateTolerationChanges(next: Toleration[], old: Toleration[]): StatusCause[] {
  for (const o of old) {
    const kept = next.some((n) => {
      if (!sameToleration(n, o)) return false;
      if (o.tolerationSeconds === undefined) return n.tolerationSeconds === undefined;
      return n.tolerationSeconds !== undefined && n.tolerationSeconds <= o.tolerationSeconds;
    });
    if (!kept)
      return [forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")];
  }
  return [];
}

/** A short account of what differs, in the spirit of upstream's spec diff after the message. */
function describeDiff(next: PodSpec, old: PodSpec): string {
  const keys = new Set([...Object.keys(next), ...Object.keys(old)]);
  const lines: string[] = [];
  for (const k of keys) {
    const a = (next as Record<string, unknown>)[k];
    const b = (old as Record<string, unknown>)[k];
    if (!deepEqual(a, b)) lines.push(`  spec.${k}: ${formatValue(b ?? null)} -> ${formatValue(a ?? null)}`);
  }
  return lines.join("\n");
}

export function validatePodUpdate(pod: Pod, old: Pod): StatusCause[] {
  const causes: StatusCause[] = [];
  pod.spec ??= {};
  const next = pod.spec;
  const prev = old.spec ?? {};
  // The Priority admission plugin ignores updates to the priority it set: the stored values stay.
  if (prev.priority === undefined) delete next.priority;
  else next.priority = prev.priority;
  if (prev.preemptionPolicy === undefined) delete next.preemptionPolicy;
  else next.preemptionPolicy = prev.preemptionPolicy;

  if (next.activeDeadlineSeconds !== undefined) {
    const v = next.activeDeadlineSeconds;
    if (v < 0 || v > MAX_INT32) {
      causes.push(invalid("spec.activeDeadlineSeconds", v, inclusiveRangeError(0, MAX_INT32)));
    }
    if (prev.activeDeadlineSeconds !== undefined && prev.activeDeadlineSeconds < v) {
      causes.push(invalid("spec.activeDeadlineSeconds", v, "must be less than or equal to previous value"));
    }
  } else if (prev.activeDeadlineSeconds !== undefined) {
    causes.push(invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
  }

  // Compare the old spec with the new one in which every allowed change is undone.
  const munged: PodSpec = { ...next };
  const sameLength = (a: unknown[] | undefined, b: unknown[] | undefined) => (a?.length ?? 0) === (b?.length ?? 0);
  if (next.containers && sameLength(next.containers, prev.containers)) {
    munged.containers = next.containers.map((c, i) => ({ ...c, image: prev.containers?.[i]?.image }));
  }
  if (next.initContainers && sameLength(next.initContainers, prev.initContainers)) {
    munged.initContainers = next.initContainers.map((c, i) => ({ ...c, image: prev.initContainers?.[i]?.image }));
  }
  munged.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  // Ephemeral containers change through their own subresource; status through status.
  munged.ephemeralContainers = prev.ephemeralContainers;
  causes.push(...validateTolerationChanges(next.tolerations ?? [], prev.tolerations ?? []));
  munged.tolerations = prev.tolerations;
  if ((prev.terminationGracePeriodSeconds ?? 0) < 0 && next.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = prev.terminationGracePeriodSeconds;
  }
  if (!deepEqual(munged, prev)) {
    causes.push(forbidden("spec", `${POD_UPDATE_FORBIDDEN}\n${describeDiff(munged, prev)}`));
  }
  return causes;
}
