// The arithmetic of rollouts (upstream's deployment/util): surge and unavailability budgets,
// replica sums over ReplicaSets, revisions, and the orders ReplicaSets are visited in.

import type { DeploymentSpec, DeploymentStatus } from "../../../schemas/apps/deployment.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { parseTime } from "../pod-utils.ts";
import type { ReplicaSetObject } from "../replicaset/status.ts";

export type DeploymentObject = KubeObject & { spec?: DeploymentSpec; status?: DeploymentStatus };
export type { ReplicaSetObject };

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
/** extensions/v1beta1's rollback request; never copied to ReplicaSets. */
export const DEPRECATED_ROLLBACK_TO = "deprecated.deployment.rollback.to";
/** Upstream's "unset" value for progressDeadlineSeconds and revisionHistoryLimit. */
export const MAX_INT32 = 2147483647;
/** Upstream bounds revision-history at 2000 characters (about 100 revisions). */
export const MAX_REVISION_HISTORY_CHARS = 2000;

export function desiredReplicas(d: DeploymentObject): number {
  return d.spec?.replicas ?? 1;
}

export function specReplicas(rs: ReplicaSetObject | undefined): number {
  return rs?.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: DeploymentObject): boolean {
  return (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

/** An int or "N%" of total; percentages round up for surge and down for unavailability. */
export function scaledValue(value: string | number | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value.trim());
  if (!m) return /^\d+$/.test(value.trim()) ? Number.parseInt(value, 10) : 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * maxSurge and maxUnavailable resolved against the desired replicas (upstream's
 * ResolveFenceposts). Both resolving to 0 would deadlock a rollout, so unavailability becomes 1:
 * percentages rounding down can get there even though validation refuses an explicit 0/0.
 */
export function resolveFenceposts(d: DeploymentObject): { surge: number; unavailable: number } {
  const rolling = d.spec?.strategy?.rollingUpdate;
  const replicas = desiredReplicas(d);
  const surge = scaledValue(rolling?.maxSurge ?? "25%", replicas, true);
  let unavailable = scaledValue(rolling?.maxUnavailable ?? "25%", replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: DeploymentObject): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).surge : 0;
}

export function maxUnavailable(d: DeploymentObject): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, replicas);
}

export function hasProgressDeadline(d: DeploymentObject): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== MAX_INT32;
}

export function hasRevisionHistoryLimit(d: DeploymentObject): boolean {
  const l = d.spec?.revisionHistoryLimit;
  return l !== undefined && l !== MAX_INT32;
}

const sum = (rss: ReplicaSetObject[], f: (rs: ReplicaSetObject) => number) => rss.reduce((n, rs) => n + f(rs), 0);
/** Sum of spec.replicas: what the ReplicaSets are asked for. */
export const specReplicaSum = (rss: ReplicaSetObject[]) => sum(rss, specReplicas);
/** Sum of status.replicas: the active pods they have. */
export const actualReplicaSum = (rss: ReplicaSetObject[]) => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicaSum = (rss: ReplicaSetObject[]) => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicaSum = (rss: ReplicaSetObject[]) => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

/** ReplicaSets asked for at least one pod. */
export function filterActive(rss: (ReplicaSetObject | undefined)[]): ReplicaSetObject[] {
  return rss.filter((rs): rs is ReplicaSetObject => rs !== undefined && specReplicas(rs) > 0);
}

export function annotationInt(obj: KubeObject, key: string): number | undefined {
  const text = obj.metadata.annotations?.[key];
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}

/** A ReplicaSet's revision: 0 without the annotation, undefined when it does not parse. */
export function revisionOf(rs: KubeObject): number | undefined {
  const text = rs.metadata.annotations?.[REVISION];
  if (text === undefined) return 0;
  return /^-?\d+$/.test(text) ? Number.parseInt(text, 10) : undefined;
}

export function maxRevision(rss: ReplicaSetObject[]): number {
  return rss.reduce((max, rs) => Math.max(max, revisionOf(rs) ?? 0), 0);
}

// --- orders ---

/** Oldest first; the name breaks ties, as upstream's ReplicaSetsByCreationTimestamp does. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = parseTime(a.metadata.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? "";
  const nb = b.metadata.name ?? "";
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Lowest revision first, creation time when revisions tie or do not parse. */
export function byRevision(a: ReplicaSetObject, b: ReplicaSetObject): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreation(a, b);
  return ra - rb;
}

/** Largest first; among equals the newer first (where a scale-up goes first). */
export function bySizeNewer(a: ReplicaSetObject, b: ReplicaSetObject): number {
  const diff = specReplicas(b) - specReplicas(a);
  return diff !== 0 ? diff : byCreation(b, a);
}

/** Largest first; among equals the older first (where a scale-down goes first). */
export function bySizeOlder(a: ReplicaSetObject, b: ReplicaSetObject): number {
  const diff = specReplicas(b) - specReplicas(a);
  return diff !== 0 ? diff : byCreation(a, b);
}

/**
 * Saturated: the new ReplicaSet holds all desired replicas, believes so itself (its
 * desired-replicas annotation) and has them all available; old ones may then go to zero at once.
 */
export function isSaturated(d: DeploymentObject, rs: ReplicaSetObject | undefined): boolean {
  if (!rs) return false;
  const desired = annotationInt(rs, DESIRED_REPLICAS);
  const replicas = desiredReplicas(d);
  return (
    desired !== undefined &&
    specReplicas(rs) === replicas &&
    desired === replicas &&
    (rs.status?.availableReplicas ?? 0) === replicas
  );
}
