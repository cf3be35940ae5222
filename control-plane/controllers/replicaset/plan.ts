// The ReplicaSet controller as a pure plan (kube-controller-manager's replicaset controller with
// the I/O taken out): claim the pods the selector matches, create or delete pods until the active
// ones number spec.replicas, and report what it found in status.
//
// Differences from upstream, and why:
// - Upstream creates in slow-start batches (1, 2, 4, ...) so a failing create does not flood the
//   API server; the host performs these creates locally, so they go out together, capped at the
//   same burst of 500 per sync, with a requeue for the rest.
// - Pod names are chosen here (generateName plus a suffix from `randomSuffix`) so that the
//   SuccessfulCreate event can name the pod, as upstream's event does after its create returns.
// - No expectations cache: the host runs the plan on what the store holds, not on a lagging cache.
// - Failed and Succeeded pods are not active: they are replaced, and left in place for the pod
//   garbage collector (upstream's ReplicaSet controller does not delete them either).

import type { KubeObject } from "../../../schemas/object.ts";
import { matchesLabels } from "../../api/selectors/labels.ts";
import {
  claimObjects,
  cloneJson,
  isControlledBy,
  isPodActive,
  isPodTerminating,
  jsonEqual,
  msUntilAvailable,
  newControllerRef,
  type PodObject,
  selectorOf,
} from "../pod-utils.ts";
import { type Action, type EventSpec, PODS, REPLICASETS } from "../types.ts";
import { rankPodsForDeletion } from "./pod-ranking.ts";
import { calculateReplicaSetStatus, type ReplicaSetObject } from "./status.ts";

/** Upstream's burstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;
const SOURCE = "replicaset-controller";
/** Upstream's name generator keeps generated names within 63 characters: base of 58 plus 5. */
const MAX_GENERATED_BASE = 58;
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export interface ReplicaSetPlanInput {
  rs: KubeObject;
  /** Every pod in the ReplicaSet's namespace. */
  pods: KubeObject[];
  now: number;
  /**
   * Five random characters for a new pod's name (upstream: utilrand.String(5) over
   * "bcdfghjklmnpqrstvwxz2456789"). Without it, a deterministic suffix is derived from the
   * ReplicaSet's uid, `now` and a counter, which keeps the plan pure either way.
   */
  randomSuffix?: () => string;
}

function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function derivedSuffixes(seed: string): () => string {
  let counter = 0;
  return () => {
    let h = fnv32a(`${seed}/${counter++}`);
    let out = "";
    for (let i = 0; i < 5; i++) {
      out += SUFFIX_ALPHABET[h % SUFFIX_ALPHABET.length];
      h = Math.floor(h / SUFFIX_ALPHABET.length);
    }
    return out;
  };
}

function event(rs: KubeObject, type: EventSpec["type"], reason: string, message: string): Action {
  return { type: "event", event: { regarding: rs, type, reason, message, source: SOURCE } };
}

/** The pod upstream's GetPodFromTemplate builds: template labels, annotations, finalizers and spec. */
function podFromTemplate(rs: ReplicaSetObject, name: string, prefix: string): KubeObject {
  const template = rs.spec?.template ?? {};
  const meta = template.metadata ?? {};
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      generateName: prefix,
      namespace: rs.metadata.namespace,
      ownerReferences: [newControllerRef(rs, "apps/v1", "ReplicaSet")],
    },
    spec: cloneJson(template.spec ?? {}),
  };
  if (meta.labels) pod.metadata.labels = { ...meta.labels };
  if (meta.annotations) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

function createPods(input: ReplicaSetPlanInput, rs: ReplicaSetObject, count: number): Action[] {
  const actions: Action[] = [];
  const prefix = `${rs.metadata.name ?? ""}-`.slice(0, MAX_GENERATED_BASE);
  const taken = new Set(input.pods.map((p) => p.metadata.name));
  const suffix = input.randomSuffix ?? derivedSuffixes(`${rs.metadata.uid ?? ""}/${input.now}`);
  for (let i = 0; i < count; i++) {
    let name = `${prefix}${suffix()}`;
    // A name already in use would only fail the create; draw again (bounded, as a bad generator
    // must not hang the plan; the store's AlreadyExists then requeues).
    for (let tries = 0; taken.has(name) && tries < 16; tries++) name = `${prefix}${suffix()}`;
    taken.add(name);
    actions.push({ type: "create", resource: PODS, object: podFromTemplate(rs, name, prefix) });
    actions.push(event(rs, "Normal", "SuccessfulCreate", `Created pod: ${name}`));
  }
  return actions;
}

function deletePods(rs: ReplicaSetObject, active: PodObject[], count: number, now: number): Action[] {
  const actions: Action[] = [];
  for (const pod of rankPodsForDeletion(active, now).slice(0, count)) {
    const name = pod.metadata.name ?? "";
    actions.push({
      type: "delete",
      resource: PODS,
      namespace: pod.metadata.namespace ?? "",
      name,
      ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
    });
    actions.push(event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${name}`));
  }
  return actions;
}

export function planReplicaSet(input: ReplicaSetPlanInput): Action[] {
  const rs = input.rs as ReplicaSetObject;
  const selector = selectorOf(rs.spec?.selector);
  // Validation refuses a missing or empty selector; one that slipped through must not release
  // every pod (nothing matches it) nor claim the whole namespace, so such a ReplicaSet is left be.
  if (selector === undefined || selector.length === 0) return [];
  const pods = input.pods as PodObject[];
  const actions: Action[] = [];

  // Only active pods are claimed (upstream claims after filtering), so a finished pod is neither
  // adopted nor released; terminating pods we control are counted for status only.
  const claim = claimObjects(rs, newControllerRef(rs, "apps/v1", "ReplicaSet"), selector, pods.filter(isPodActive));
  for (const pod of [...claim.adopted, ...claim.released])
    actions.push({ type: "update", resource: PODS, object: pod });
  const active = claim.owned;
  const terminating = pods.filter(
    (p) => isPodTerminating(p) && isControlledBy(p, rs.metadata.uid) && matchesLabels(selector, p.metadata.labels),
  );

  let requeueMs: number | undefined;
  // A ReplicaSet being deleted only reports status; the garbage collector removes its pods.
  if (rs.metadata.deletionTimestamp === undefined) {
    const want = rs.spec?.replicas ?? 1;
    const diff = active.length - want;
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      actions.push(...createPods(input, rs, count));
      if (-diff > BURST_REPLICAS) requeueMs = 0;
    } else if (diff > 0) {
      const count = Math.min(diff, BURST_REPLICAS);
      actions.push(...deletePods(rs, active, count, input.now));
      if (diff > BURST_REPLICAS) requeueMs = 0;
    }
  }

  const status = calculateReplicaSetStatus(rs, active, terminating, input.now);
  if (!jsonEqual(status, rs.status ?? {})) {
    actions.push({ type: "updateStatus", resource: REPLICASETS, object: { ...cloneJson(rs), status } });
  }

  // Availability changes with time alone: come back when the next ready pod has been ready for
  // minReadySeconds (upstream requeues after minReadySeconds; the exact remaining time is enough).
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  for (const pod of active) {
    const ms = msUntilAvailable(pod, minReadySeconds, input.now);
    if (ms !== undefined && (requeueMs === undefined || ms < requeueMs)) requeueMs = ms;
  }
  if (requeueMs !== undefined) actions.push({ type: "requeue", afterMs: requeueMs });
  return actions;
}
