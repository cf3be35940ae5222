// Server-side apply (application/apply-patch+yaml): `kubectl apply --server-side`, Helm 4, and
// controllers. The applied configuration is merged into the live object (keyed lists by key, sets
// by value, atomic lists and structs replaced), the manager's Apply entry in managedFields becomes
// exactly the fields it applied, and fields it applied last time but no longer does are removed
// unless another manager owns them (or something beneath them). Changing a field another manager
// owns is a 409 Conflict listing every such field, unless `force` moves ownership to the applier.
//
// Simplified on purpose, compared with kube-apiserver:
// - Fields under `status` are owned but never conflict (upstream ignores status entirely when
//   applying to the main resource of a kind with a status subresource).
// - `null` in an applied configuration removes the field and owns nothing.
// - No schema validation or defaulting happens here; unknown kinds merge maps granularly and
//   replace lists whole (upstream would use the CRD's structural schema).
// - Objects created without managedFields are not attributed to "before-first-apply".
// - The Update entries recordUpdate keeps mark newly created maps and lists as owned themselves
//   (`.`) also where upstream's Go zero values hide that (e.g. `f:spec`).

import type { KubeObject, ManagedFieldsEntry } from "../../../schemas/object.ts";
import { ApiError, badRequest, type StatusCause } from "../errors.ts";
import { isPrefix, keyElement, pathOf, pathString, valueElement } from "./field-path.ts";
import { appliedFields, changedFields, removePath } from "./field-walk.ts";
import { clone, isRecord } from "./json.ts";
import {
  decodeManagers,
  describeManager,
  encodeManagers,
  forgetMissing,
  formatTime,
  type Manager,
  metaOf,
  sameManager,
} from "./managed-fields.ts";
import { childMeta, type FieldMeta, listTypeOf } from "./patch-meta.ts";

export interface ApplyInput {
  /** The stored object, or undefined when the apply creates it. */
  live: KubeObject | undefined;
  /** The applied configuration, already parsed from YAML or JSON. */
  applied: unknown;
  manager: string;
  force: boolean;
  now: Date | string;
  /** The API version of the request (e.g. apps/v1). */
  apiVersion: string;
}

export interface ApplyResult {
  /** The merged object, with metadata.managedFields set to `managedFields`. */
  object: KubeObject;
  managedFields: ManagedFieldsEntry[];
}

function mergeValue(live: unknown, applied: unknown, meta: FieldMeta | undefined): unknown {
  if (isRecord(applied) && !meta?.atomic) {
    const out: Record<string, unknown> = isRecord(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(applied)) {
      if (value === null) delete out[key];
      else out[key] = mergeValue(out[key], value, childMeta(meta, key));
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live) && listTypeOf(meta) !== "atomic") {
    const isSet = listTypeOf(meta) === "set";
    const keyOf = (item: unknown, i: number, side: string) =>
      (isSet ? valueElement(item) : keyElement(item, meta)) ?? `${side}${i}`;
    return mergeOrdered(
      live.map((item, i) => [keyOf(item, i, "live"), item]),
      applied.map((item, i) => [keyOf(item, i, "applied"), item]),
      (l, a) => (a === undefined ? l : isSet ? clone(a) : mergeValue(l, a, meta?.items)),
    );
  }
  return clone(applied);
}

type Keyed = [string, unknown];

/**
 * The order of a merged keyed list or set, as kube-apiserver's merge produces it: live-only
 * elements keep their places, applied elements come in the applied order, and a shared element
 * moves to where the applied configuration puts it.
 */
function mergeOrdered(live: Keyed[], applied: Keyed[], merge: (l: unknown, a: unknown) => unknown): unknown[] {
  const appliedKeys = new Set(applied.map(([k]) => k));
  const liveByKey = new Map(live);
  const shared = applied.map(([k]) => k).filter((k) => liveByKey.has(k));
  const done = new Set<string>();
  const out: unknown[] = [];
  let next = 0; // shared[next] is the next shared element the applied order wants
  let i = 0;
  let j = 0;
  while (i < live.length || j < applied.length) {
    const l = live[i];
    const a = applied[j];
    if (l && a) {
      if (l[0] === a[0]) {
        out.push(merge(l[1], a[1]));
        done.add(l[0]);
        i++;
        j++;
        next++;
        continue;
      }
      if (appliedKeys.has(l[0]) && next < shared.length && shared[next] !== l[0]) {
        i++;
        continue;
      }
    }
    if (l && !appliedKeys.has(l[0])) {
      out.push(l[1]);
      i++;
      continue;
    }
    if (l && done.has(l[0])) {
      i++;
      continue;
    }
    if (a) {
      out.push(merge(liveByKey.get(a[0]), a[1]));
      done.add(a[0]);
      j++;
      if (shared[next] === a[0]) next++;
    }
  }
  return out;
}

function conflictError(conflicts: [Manager, string][]): ApiError {
  const causes: StatusCause[] = conflicts.map(([m, key]) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${describeManager(m)}`,
    field: pathString(pathOf(key)),
  }));
  const [first] = causes;
  if (conflicts.length === 1 && first) {
    return new ApiError(409, "Conflict", `Apply failed with 1 conflict: ${first.message}: ${first.field}`, { causes });
  }
  // Several: grouped by manager, managers sorted, one "- path" line per field.
  const byManager = new Map<string, string[]>();
  for (const cause of causes) {
    const lines = byManager.get(cause.message ?? "") ?? [];
    lines.push(`- ${cause.field}`);
    byManager.set(cause.message ?? "", lines);
  }
  const parts = [...byManager.keys()]
    .sort()
    .map((m) => `${m.replace(/^conflict /, "conflicts ")}:\n${(byManager.get(m) ?? []).join("\n")}`);
  return new ApiError(409, "Conflict", `Apply failed with ${conflicts.length} conflicts: ${parts.join("\n")}`, {
    causes,
  });
}

const isStatus = (key: string) => pathOf(key)[0] === "f:status";

/** Applies `applied` for `manager`; throws 409 Conflict (unless `force`), 400 on a bad body. */
export function applyServerSide(input: ApplyInput): ApplyResult {
  const { live, applied, manager, force, apiVersion } = input;
  if (!isRecord(applied)) throw badRequest("error decoding YAML: the applied configuration must be an object");
  const appliedMeta = applied.metadata;
  if (isRecord(appliedMeta) && appliedMeta.managedFields !== undefined && appliedMeta.managedFields !== null) {
    throw badRequest("metadata.managedFields must be nil");
  }
  if (typeof applied.apiVersion === "string" && applied.apiVersion !== apiVersion) {
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${applied.apiVersion}, expected: ${apiVersion}`,
    );
  }
  const meta = metaOf(live ?? applied);
  const appliedSet = appliedFields(applied, meta);
  const base: Record<string, unknown> = live ? clone(live) : {};
  if (isRecord(base.metadata)) delete base.metadata.managedFields;
  const merged = mergeValue(base, applied, meta) as KubeObject;
  if (!isRecord(merged.metadata)) merged.metadata = {};

  const identity = { manager, operation: "Apply" as const, apiVersion };
  let managers = decodeManagers(live?.metadata.managedFields);
  const previous = managers.find((m) => sameManager(m, identity));
  const changed = changedFields(live, merged, meta);
  const conflicts: [Manager, string][] = [];
  for (const m of managers) {
    if (m === previous) continue;
    for (const key of m.fields) if (changed.has(key) && !isStatus(key)) conflicts.push([m, key]);
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  for (const [m, key] of conflicts) m.fields.delete(key);

  const applier: Manager = { ...identity, time: formatTime(input.now), fields: appliedSet };
  managers = [...managers.filter((m) => m !== previous), applier];

  // What this manager applied before and no longer applies goes, unless someone still owns it.
  const owned = managers.flatMap((m) => [...m.fields].map(pathOf));
  const ownedKeys = new Set(managers.flatMap((m) => [...m.fields]));
  for (const key of previous?.fields ?? []) {
    if (appliedSet.has(key) || ownedKeys.has(key)) continue;
    const path = pathOf(key);
    if (owned.some((p) => isPrefix(path, p))) continue;
    removePath(merged, key, meta);
  }

  managers = forgetMissing(managers, merged, meta, applier);
  const managedFields = encodeManagers(managers);
  merged.metadata.managedFields = managedFields;
  return { object: merged, managedFields };
}
