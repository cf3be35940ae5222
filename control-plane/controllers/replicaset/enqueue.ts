// Which ReplicaSets to sync after a pod changed (upstream's addPod/updatePod/deletePod handlers):
// its controller, its previous controller when that changed, and, for an orphan, every ReplicaSet
// whose selector matches it (one of them may adopt it).

import type { KubeObject } from "../../../schemas/object.ts";
import { matchesLabels } from "../../api/selectors/labels.ts";
import { controllerOf, jsonEqual, selectorOf } from "../pod-utils.ts";
import type { ReplicaSetObject } from "./status.ts";

export interface Change {
  /** The object before the change (absent for an add). */
  old?: KubeObject;
  /** The object after the change (absent for a delete). */
  new?: KubeObject;
}

/** The owners of `kind` a change concerns, by name; `candidates` are that kind's objects in the namespace. */
export function ownersToSync(
  change: Change,
  kind: string,
  candidates: readonly KubeObject[],
  selectorOfOwner: (owner: KubeObject) => ReturnType<typeof selectorOf>,
): string[] {
  const names = new Set<string>();
  const byRef = (obj: KubeObject | undefined) => {
    const ref = obj ? controllerOf(obj) : undefined;
    if (ref?.kind !== kind) return;
    if (candidates.some((c) => c.metadata.name === ref.name && c.metadata.uid === ref.uid)) names.add(ref.name);
  };
  byRef(change.old);
  byRef(change.new);
  const current = change.new ?? change.old;
  const moved =
    change.old === undefined ||
    !jsonEqual(change.old.metadata.labels, change.new?.metadata.labels) ||
    !jsonEqual(controllerOf(change.old), change.new ? controllerOf(change.new) : undefined);
  // An orphan that appeared, was relabelled or was just released may now be claimed.
  if (current && change.new && !controllerOf(current) && moved) {
    for (const owner of candidates) {
      if (owner.metadata.namespace !== current.metadata.namespace) continue;
      const selector = selectorOfOwner(owner);
      if (selector && selector.length > 0 && matchesLabels(selector, current.metadata.labels)) {
        names.add(owner.metadata.name ?? "");
      }
    }
  }
  return [...names].sort();
}

export function replicaSetsToSync(podChange: Change, replicaSets: readonly KubeObject[]): string[] {
  return ownersToSync(podChange, "ReplicaSet", replicaSets, (rs) =>
    selectorOf((rs as ReplicaSetObject).spec?.selector),
  );
}
