// The Deployment controller as a pure plan (upstream's syncDeployment with the I/O taken out).
// It only writes ReplicaSets (create, update, delete) and the Deployment's status; pods are the
// ReplicaSet controller's.
//
// The plan reads ReplicaSet statuses, so the host must re-run it when a ReplicaSet it controls
// changes (upstream's informer handlers enqueue the owning Deployment), and when a `requeue` is due.

import type { KubeObject } from "../../../schemas/object.ts";
import { matchesLabels } from "../../api/selectors/labels.ts";
import { claimObjects, isControlledBy, newControllerRef, type PodObject, selectorOf } from "../pod-utils.ts";
import type { Action } from "../types.ts";
import { SyncContext } from "./context.ts";
import { rolloutRecreate } from "./recreate.ts";
import { rolloutRolling } from "./rolling.ts";
import { checkPausedConditions, isScalingEvent, syncScale, syncStatusOnly } from "./sync.ts";
import type { DeploymentObject, ReplicaSetObject } from "./util.ts";

export interface DeploymentPlanInput {
  deployment: KubeObject;
  /** Every ReplicaSet in the Deployment's namespace (to adopt, release, and avoid name clashes). */
  replicaSets: KubeObject[];
  /** Every pod in the namespace (Recreate waits for old ones to be gone). */
  pods: KubeObject[];
  now: number;
}

function selectsEverything(d: DeploymentObject): boolean {
  const sel = d.spec?.selector;
  return Object.keys(sel?.matchLabels ?? {}).length === 0 && (sel?.matchExpressions ?? []).length === 0;
}

export function planDeployment(input: DeploymentPlanInput): Action[] {
  const d = input.deployment as DeploymentObject;
  const ctx = new SyncContext(d, input.now);

  // Validation refuses an empty selector; one that slipped in would claim every ReplicaSet and pod
  // in the namespace, so upstream only warns and records that it saw the spec.
  if (selectsEverything(d)) {
    ctx.event("Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
    const generation = d.metadata.generation ?? 0;
    if ((d.status?.observedGeneration ?? 0) < generation)
      ctx.d.status = { ...ctx.d.status, observedGeneration: generation };
    return ctx.actions();
  }
  const selector = selectorOf(d.spec?.selector);
  if (selector === undefined) return [];

  const namespaceRSs = input.replicaSets as ReplicaSetObject[];
  const byName = new Map(namespaceRSs.map((rs) => [rs.metadata.name ?? "", rs]));
  const claim = claimObjects(d, newControllerRef(d, "apps/v1", "Deployment"), selector, namespaceRSs);
  const original = (rs: ReplicaSetObject) => byName.get(rs.metadata.name ?? "") ?? rs;
  const rsList = claim.owned.map((rs) => ctx.track(rs, original(rs)));
  for (const rs of claim.released) ctx.track(rs, original(rs));

  if (d.metadata.deletionTimestamp !== undefined) {
    syncStatusOnly(ctx, rsList, namespaceRSs);
    return ctx.actions();
  }
  checkPausedConditions(ctx);
  if (d.spec?.paused || isScalingEvent(ctx, rsList, namespaceRSs)) {
    syncScale(ctx, rsList, namespaceRSs);
    return ctx.actions();
  }
  if (d.spec?.strategy?.type === "Recreate") {
    const pods = (input.pods as PodObject[]).filter(
      (pod) =>
        pod.metadata.namespace === d.metadata.namespace &&
        matchesLabels(selector, pod.metadata.labels) &&
        rsList.some((rs) => isControlledBy(pod, rs.metadata.uid)),
    );
    rolloutRecreate(ctx, rsList, namespaceRSs, pods);
  } else {
    rolloutRolling(ctx, rsList, namespaceRSs);
  }
  return ctx.actions();
}
