// metadata.managedFields: who owns which fields. One entry per manager identity, which is, as in
// kube-apiserver, (manager, operation, subresource) for Apply and (manager, operation, apiVersion,
// subresource) for Update. recordUpdate keeps the entries current for ordinary writes (create,
// update, JSON/merge/strategic patches): the writer gains the fields it added or changed, other
// managers lose them, and fields that no longer exist are owned by nobody.

import type { KubeObject, ManagedFieldsEntry } from "../../../schemas/object.ts";
import { rfc3339 } from "../time.ts";
import { type FieldSet, fromFieldsV1, toFieldsV1 } from "./field-path.ts";
import { changedFields, createdFieldsV1, pathExists } from "./field-walk.ts";
import { deepEqual, isRecord, type JsonObject } from "./json.ts";
import { type FieldMeta, genericMeta, patchMetaFor } from "./patch-meta.ts";

export interface Manager {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  time?: string;
  fields: FieldSet;
}

export type ManagerIdentity = Pick<Manager, "manager" | "operation" | "apiVersion" | "subresource">;

export function sameManager(a: ManagerIdentity, b: ManagerIdentity): boolean {
  return (
    a.manager === b.manager &&
    a.operation === b.operation &&
    (a.subresource ?? "") === (b.subresource ?? "") &&
    (a.operation === "Apply" || a.apiVersion === b.apiVersion)
  );
}

/** How conflict messages name a manager: `"kubectl" with subresource "scale" using apps/v1`. */
export function describeManager(m: ManagerIdentity): string {
  let out = JSON.stringify(m.manager);
  if (m.subresource) out += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === "Update") out += ` using ${m.apiVersion}`;
  return out;
}

/** RFC 3339 in whole seconds, as metav1.Time serialises. */
export function formatTime(now: Date | string): string {
  return rfc3339(typeof now === "string" ? new Date(now).getTime() : now.getTime());
}

export function decodeManagers(entries: readonly ManagedFieldsEntry[] | undefined): Manager[] {
  const out: Manager[] = [];
  for (const entry of entries ?? []) {
    if (!entry.manager && !entry.operation) continue;
    const manager: Manager = {
      manager: entry.manager ?? "",
      operation: entry.operation === "Apply" ? "Apply" : "Update",
      apiVersion: entry.apiVersion ?? "",
      fields: fromFieldsV1(entry.fieldsV1),
    };
    if (entry.subresource) manager.subresource = entry.subresource;
    if (entry.time) manager.time = entry.time;
    out.push(manager);
  }
  return out;
}

// Sorted as kube-apiserver sorts them: by operation, time, manager, apiVersion, subresource.
function compareManagers(a: Manager, b: Manager): number {
  const keys = (m: Manager) => [m.operation, m.time ?? "", m.manager, m.apiVersion, m.subresource ?? ""];
  const ka = keys(a);
  const kb = keys(b);
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i] ?? "";
    const y = kb[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function encodeManagers(managers: readonly Manager[]): ManagedFieldsEntry[] {
  return [...managers].sort(compareManagers).map((m) => {
    const entry: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) entry.time = m.time;
    entry.fieldsType = "FieldsV1";
    entry.fieldsV1 = toFieldsV1(m.fields);
    if (m.subresource) entry.subresource = m.subresource;
    return entry;
  });
}

/** Drops owned paths that `obj` no longer has, and managers left owning nothing (but `keep`). */
export function forgetMissing(managers: Manager[], obj: unknown, meta: FieldMeta, keep?: Manager): Manager[] {
  for (const m of managers) {
    m.fields = new Set([...m.fields].filter((key) => pathExists(obj, key, meta)));
  }
  return managers.filter((m) => m === keep || m.fields.size > 0);
}

export function metaOf(obj: { apiVersion?: unknown; kind?: unknown }): FieldMeta {
  const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const kind = typeof obj.kind === "string" ? obj.kind : "";
  return patchMetaFor(apiVersion, kind) ?? genericMeta;
}

/** A managedFields list of one empty entry is how a client asks for managedFields to be dropped. */
function isReset(entries: unknown): boolean {
  return Array.isArray(entries) && entries.length === 1 && isRecord(entries[0]) && Object.keys(entries[0]).length === 0;
}

export interface RecordUpdateInput {
  /** The stored object before the write; undefined for a create. */
  old: KubeObject | undefined;
  /** The object about to be stored. */
  updated: KubeObject;
  /** The fieldManager query parameter (or the user agent's name when absent, as upstream). */
  manager: string;
  /** "status", "scale"... for writes to a subresource. */
  subresource?: string;
  now: Date | string;
  /** The API version the request was made in (e.g. apps/v1). */
  apiVersion: string;
}

/** A create's managedFields: one entry, of the writer, owning all it set (none when it set nothing). */
function createdEntry(input: RecordUpdateInput, fieldsV1: JsonObject): ManagedFieldsEntry[] {
  if (Object.keys(fieldsV1).length === 0) return [];
  const entry: ManagedFieldsEntry = {
    manager: input.manager,
    operation: "Update",
    apiVersion: input.apiVersion,
    time: formatTime(input.now),
    fieldsType: "FieldsV1",
    fieldsV1,
  };
  if (input.subresource) entry.subresource = input.subresource;
  return [entry];
}

/**
 * The managedFields to store with `updated` after an ordinary write (operation Update). Like
 * kube-apiserver: managedFields the client changed on purpose replace the stored ones (a list of
 * one empty entry clears them, and then nothing is recorded); an empty or missing list keeps them.
 */
export function recordUpdate(input: RecordUpdateInput): ManagedFieldsEntry[] {
  const { old, updated, manager, subresource, apiVersion } = input;
  const sent = updated.metadata.managedFields;
  const stored = old?.metadata.managedFields;
  if (isReset(sent)) return [];
  const base = sent && sent.length > 0 && !deepEqual(sent, stored) ? sent : stored;
  const meta = metaOf(updated);
  let managers = decodeManagers(base);
  // Only the writer's fields, all just read off `updated` (a create, say): none can be missing.
  const onlyWriter = managers.length === 0;
  if (onlyWriter && !old) return createdEntry(input, createdFieldsV1(updated, meta));

  const changed = changedFields(old, updated, meta);
  const identity: ManagerIdentity = { manager, operation: "Update", apiVersion, subresource };
  let writer = managers.find((m) => sameManager(m, identity));
  for (const m of managers) {
    if (m !== writer) m.fields = new Set([...m.fields].filter((key) => !changed.has(key)));
  }
  if (changed.size > 0) {
    if (!writer) {
      writer = { ...identity, fields: new Set() };
      if (!subresource) delete writer.subresource;
      managers.push(writer);
    }
    for (const key of changed) writer.fields.add(key);
    writer.time = formatTime(input.now);
  }
  if (!onlyWriter) managers = forgetMissing(managers, updated, meta);
  return encodeManagers(managers);
}
