// The status conditions kube-controller-manager's namespace deleter keeps on a Terminating
// namespace, so `kubectl describe namespace` and `get -o yaml` explain what deletion waits for.
// Five condition types, each False with an "all is well" reason unless something is wrong;
// lastTransitionTime moves only when a condition's status flips.

import type { NamespaceCondition } from "../../../schemas/core/namespace.ts";
import { rfc3339 } from "../events/time.ts";

interface ConditionText {
  type: string;
  okReason: string;
  okMessage: string;
}

// Upstream's order, which is also the order a fresh namespace lists them in.
const CONDITIONS: ConditionText[] = [
  {
    type: "NamespaceDeletionDiscoveryFailure",
    okReason: "ResourcesDiscovered",
    okMessage: "All resources successfully discovered",
  },
  {
    type: "NamespaceDeletionGroupVersionParsingFailure",
    okReason: "ParsedGroupVersions",
    okMessage: "All legacy kube types successfully parsed",
  },
  {
    type: "NamespaceDeletionContentFailure",
    okReason: "ContentDeleted",
    okMessage: "All content successfully deleted, may be waiting on finalization",
  },
  { type: "NamespaceContentRemaining", okReason: "ContentRemoved", okMessage: "All content successfully removed" },
  { type: "NamespaceFinalizersRemaining", okReason: "ContentRemoved", okMessage: "All content successfully removed" },
];

/** What is left in a namespace: instances per "<plural>.<group>" and per finalizer. */
export interface RemainingContent {
  byResource: Map<string, number>;
  byFinalizer: Map<string, number>;
}

/** The failing conditions the remaining content calls for (upstream's wording, sorted entries). */
export function remainingConditions(remaining: RemainingContent): Map<string, { reason: string; message: string }> {
  const out = new Map<string, { reason: string; message: string }>();
  if (remaining.byResource.size > 0) {
    const parts = [...remaining.byResource].map(([res, n]) => `${res} has ${n} resource instances`).sort();
    out.set("NamespaceContentRemaining", {
      reason: "SomeResourcesRemain",
      message: `Some resources are remaining: ${parts.join(", ")}`,
    });
  }
  if (remaining.byFinalizer.size > 0) {
    const parts = [...remaining.byFinalizer].map(([f, n]) => `${f} in ${n} resource instances`).sort();
    out.set("NamespaceFinalizersRemaining", {
      // Upstream's reason really is singular here.
      reason: "SomeFinalizerRemain",
      message: `Some finalizers are remaining: ${parts.join(", ")}`,
    });
  }
  return out;
}

/**
 * The namespace's conditions after this pass: existing entries are updated in place (other
 * condition types kept), missing ones appended. Returns undefined when nothing changes.
 */
export function updatedConditions(
  existing: NamespaceCondition[],
  failing: Map<string, { reason: string; message: string }>,
  now: number,
): NamespaceCondition[] | undefined {
  const next = structuredClone(existing);
  let changed = false;
  for (const c of CONDITIONS) {
    const fail = failing.get(c.type);
    const want = fail
      ? { status: "True", reason: fail.reason, message: fail.message }
      : { status: "False", reason: c.okReason, message: c.okMessage };
    const old = next.find((x) => x.type === c.type);
    if (!old) {
      next.push({ type: c.type, ...want, lastTransitionTime: rfc3339(now) });
      changed = true;
    } else if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
      if (old.status !== want.status) old.lastTransitionTime = rfc3339(now);
      old.status = want.status;
      old.reason = want.reason;
      old.message = want.message;
      changed = true;
    }
  }
  return changed ? next : undefined;
}
