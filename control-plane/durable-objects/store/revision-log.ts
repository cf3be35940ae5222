// The revisioned log over the store's SQLite tables: one cluster-wide revision counter, the
// current state per key, the change log for watches and snapshot reads, and time-based compaction.
// Synchronous on purpose: Durable Object SQLite is local, so a write and the fan-out that follows
// happen in one turn of the event loop, with nothing interleaved.

import { and, eq, gt, isNotNull, isNull, lte, notExists, sql } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { KubeObject } from "../../../schemas/object.ts";
import { tooLarge } from "../../api/errors.ts";
import { jsonEqual } from "../../api/json.ts";
import { pageVariant, prepareStatements, type Statements, writeStatements } from "./statements.ts";
import { changes, objects, ownerRefs } from "./tables.ts";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface Change {
  rv: number;
  resource: string;
  namespace: string;
  name: string;
  type: ChangeType;
  value: KubeObject;
  prev: KubeObject | null;
  /** `value` as stored (its JSON), when this change was just written: answers reuse it. */
  text?: string;
}

export interface Key {
  namespace: string;
  name: string;
}

export interface StoredObject {
  rv: number;
  value: KubeObject;
}

/** etcd's request limit, which kube-apiserver inherits; a DO SQLite row holds 2 MB. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** 413 for an object whose stored form (its JSON, `length` characters) is over the limit. */
export function checkObjectSize(resource: string, name: string, length: number): void {
  if (length > MAX_OBJECT_BYTES) {
    throw tooLarge(
      `${resource} "${name}" is too large: ${length} bytes exceeds the limit of ${MAX_OBJECT_BYTES} bytes for a stored object`,
    );
  }
}

/** A create found its key taken (the caller answers AlreadyExists, naming the API's resource). */
export class KeyTaken extends Error {
  constructor(resource: string, namespace: string, name: string) {
    super(`${resource} ${namespace}/${name} exists`);
  }
}

/** SQLite's unique-constraint failure, whether drizzle passes it on as it is or wraps it. */
function uniqueViolation(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e.message.includes("UNIQUE constraint failed")) return true;
  }
  return false;
}

/** The revision as a counter, which earlier builds wrote with every change (see lastRevision). */
const REVISION = "revision";
const COMPACTED = "compacted";

export class RevisionLog {
  private revision: number;
  private compacted: number;
  private readonly db: DrizzleSqliteDODatabase;
  private readonly stmts: Statements;
  private readonly writes: ReturnType<typeof writeStatements>;

  /** `sql` is the SqlStorage under `db`: the hot inserts go to it directly (statements.ts). */
  constructor(db: DrizzleSqliteDODatabase, sql: SqlStorage) {
    this.db = db;
    this.stmts = prepareStatements(db);
    this.writes = writeStatements(sql);
    this.compacted = this.readMeta(COMPACTED);
    this.revision = this.lastRevision();
  }

  /** Re-reads the counters after a rolled-back transaction left them ahead of SQLite. */
  reload(): void {
    this.compacted = this.readMeta(COMPACTED);
    this.revision = this.lastRevision();
  }

  /**
   * The revision of the last write, from what SQLite holds: the newest change in the log, or when
   * compaction emptied the log, the revision it compacted to (the newest it removed). Deriving it
   * spares a counter update in every write's transaction. Stores written before kept it as a
   * counter (REVISION), which still counts.
   */
  private lastRevision(): number {
    const newest = this.db
      .select({ rv: sql<number | null>`max(${changes.rv})` })
      .from(changes)
      .get();
    return Math.max(newest?.rv ?? 0, this.compacted, this.readMeta(REVISION));
  }

  /** A named counter kept beside the revision (the controller host's cursor). */
  getCounter(key: string): number {
    return this.readMeta(key);
  }

  setCounter(key: string, value: number): void {
    this.writeMeta(key, value);
  }

  private readMeta(key: string): number {
    return this.stmts.readMeta.get({ key })?.value ?? 0;
  }

  private writeMeta(key: string, value: number): void {
    this.stmts.writeMeta.run({ key, value });
  }

  /** The cluster-wide resourceVersion of the last write. */
  currentRevision(): number {
    return this.revision;
  }

  /** Changes at or below this revision are gone: watches from before it get 410. */
  compactedRevision(): number {
    return this.compacted;
  }

  get(resource: string, namespace: string, name: string): StoredObject | undefined {
    const row = this.stmts.getObject.get({ resource, namespace, name });
    return row ? { rv: row.rv, value: JSON.parse(row.value) as KubeObject } : undefined;
  }

  /**
   * Appends one change: assigns the next revision (written into the object's resourceVersion),
   * checks the object's size, updates the current state and the log. Returns the change as
   * watchers see it.
   */
  append(type: ChangeType, resource: string, value: KubeObject, prev: KubeObject | null, now: number): Change {
    const rv = this.revision + 1;
    const namespace = value.metadata.namespace ?? "";
    const name = value.metadata.name ?? "";
    value.metadata.resourceVersion = String(rv);
    const text = JSON.stringify(value);
    if (type === "DELETED") {
      this.stmts.deleteObject.run({ resource, namespace, name });
    } else {
      // Inside the write's transaction: an object over the limit rolls back the whole commit.
      checkObjectSize(resource, name, text.length);
      const nodeName =
        resource === "pods" ? ((value.spec as { nodeName?: string } | undefined)?.nodeName ?? null) : null;
      const row = { resource, namespace, name, rv, nodeName, value: text };
      if (type === "MODIFIED") this.writes.upsertObject(row);
      else {
        // A create's key must be free: the insert itself says whether it is (the unique key), and
        // as the first statement of the append a refused one has written nothing.
        try {
          this.writes.insertObject(row);
        } catch (err) {
          if (uniqueViolation(err)) throw new KeyTaken(resource, namespace, name);
          throw err;
        }
      }
    }
    this.writes.insertChange({
      rv,
      resource,
      namespace,
      name,
      type,
      // Stored once: in `objects` while current, then as the next change's `prev`; only a
      // deletion, which leaves neither, keeps it here (statements.ts changeValue).
      value: type === "DELETED" ? text : "",
      prev: prev ? JSON.stringify(prev) : null,
      at: now,
    });
    this.indexOwners(type, resource, namespace, name, value, prev);
    this.revision = rv;
    return { rv, resource, namespace, name, type, value, prev, text };
  }

  /**
   * One page of the state as of revision `at`, in key order after `after`. Objects written since
   * `at` are read back from the log (the value before their first later change), so every page of a
   * paginated list shows the same snapshot, as etcd's reads at a revision do.
   */
  readPage(
    resource: string,
    namespace: string | undefined,
    at: number,
    after: Key | undefined,
    limit: number,
  ): StoredObject[] {
    const current = this.stmts.pages[pageVariant(namespace !== undefined, after !== undefined)].all({
      resource,
      at,
      limit,
      namespace,
      afterNamespace: after?.namespace,
      afterName: after?.name,
    });
    const rows: { rv: number; namespace: string; name: string; value: string }[] = current;
    if (at < this.revision) {
      // Keys whose first change after `at` had a previous value existed at `at` with that value.
      const older = this.changedSince(resource, namespace, at, after, limit);
      if (older.length > 0) {
        rows.push(...older);
        rows.sort((a, b) => compareKeys(a, b));
        rows.length = Math.min(rows.length, limit);
      }
    }
    return rows.map((r) => {
      const value = JSON.parse(r.value) as KubeObject;
      // An older row's rv is the one its value carries (the revision that wrote it).
      return { rv: r.rv || Number(value.metadata.resourceVersion ?? 0), value };
    });
  }

  /**
   * The first `limit` keys after `after` (in key order) that changed since `at` and existed then,
   * each with its value at `at`: the previous value of its first change after `at`. Groups are
   * read as small rows and values fetched for the page's keys only: a list paging through 30,000
   * pods that all changed meanwhile used to parse every one of them for every page.
   */
  private changedSince(
    resource: string,
    namespace: string | undefined,
    at: number,
    after: Key | undefined,
    limit: number,
  ): { rv: number; namespace: string; name: string; value: string }[] {
    const out: { rv: number; namespace: string; name: string; value: string }[] = [];
    let from = after;
    for (;;) {
      const conds = [eq(changes.resource, resource), gt(changes.rv, at)];
      if (namespace !== undefined) conds.push(eq(changes.namespace, namespace));
      if (from) conds.push(keyAfter(changes.namespace, changes.name, from));
      // Each key's first change after `at` (a walk of the key index), joined to its previous value.
      const first = this.db
        .select({
          namespace: changes.namespace,
          name: changes.name,
          rv: sql<number>`min(${changes.rv})`.as("first_rv"),
        })
        .from(changes)
        .where(and(...conds))
        .groupBy(changes.namespace, changes.name)
        .orderBy(changes.namespace, changes.name)
        .limit(limit)
        .as("first");
      const firsts = this.db
        .select({ namespace: first.namespace, name: first.name, prev: changes.prev })
        .from(first)
        .innerJoin(changes, eq(changes.rv, first.rv))
        .orderBy(first.namespace, first.name)
        .all();
      for (const f of firsts) {
        // No previous value: the key was created after `at`.
        if (f.prev) out.push({ rv: 0, namespace: f.namespace, name: f.name, value: f.prev });
      }
      const last = firsts[firsts.length - 1];
      if (out.length >= limit || firsts.length < limit || !last) return out;
      from = { namespace: last.namespace, name: last.name };
    }
  }

  /** Every change after `rv` (for one resource, or all), in revision order: what a watch replays. */
  changesAfter(rv: number, resource?: string, limit?: number): Change[] {
    const rows =
      resource === undefined
        ? this.stmts.changesAfter.all({ rv, limit: limit ?? -1 })
        : this.stmts.changesOfResourceAfter.all({ rv, resource, limit: limit ?? -1 });
    return rows.map((c) => ({
      rv: c.rv,
      resource: c.resource,
      namespace: c.namespace,
      name: c.name,
      type: c.type,
      value: JSON.parse(c.value) as KubeObject,
      prev: c.prev === null ? null : (JSON.parse(c.prev) as KubeObject),
    }));
  }

  /** Drops log entries written before `cutoff` (ms); returns the new compacted revision. */
  compact(cutoff: number): number {
    const row = this.db
      .select({ rv: sql<number | null>`max(${changes.rv})` })
      .from(changes)
      .where(lte(changes.at, cutoff))
      .get();
    const upTo = row?.rv ?? null;
    if (upTo === null || upTo <= this.compacted) return this.compacted;
    this.db.delete(changes).where(lte(changes.rv, upTo)).run();
    this.compacted = upTo;
    this.writeMeta(COMPACTED, upTo);
    return upTo;
  }

  /** Keeps owner_refs in step with the object's ownerReferences (only when they changed). */
  private indexOwners(
    type: ChangeType,
    resource: string,
    namespace: string,
    name: string,
    value: KubeObject,
    prev: KubeObject | null,
  ): void {
    const before = prev?.metadata.ownerReferences ?? [];
    const after = type === "DELETED" ? [] : (value.metadata.ownerReferences ?? []);
    if (
      jsonEqual(
        before.map((r) => r.uid),
        after.map((r) => r.uid),
      )
    )
      return;
    const key = and(eq(ownerRefs.resource, resource), eq(ownerRefs.namespace, namespace), eq(ownerRefs.name, name));
    if (before.length > 0) this.db.delete(ownerRefs).where(key).run();
    for (const ref of after) {
      this.db.insert(ownerRefs).values({ ownerUid: ref.uid, resource, namespace, name }).onConflictDoNothing().run();
    }
  }

  /** The keys of objects whose ownerReferences name this uid. */
  dependentsOf(uid: string): { resource: string; namespace: string; name: string }[] {
    return this.db
      .select({ resource: ownerRefs.resource, namespace: ownerRefs.namespace, name: ownerRefs.name })
      .from(ownerRefs)
      .where(eq(ownerRefs.ownerUid, uid))
      .all();
  }

  /** The objects of a resource whose ownerReferences name this uid, in one indexed join. */
  ownedBy(uid: string, resource: string): KubeObject[] {
    return this.db
      .select({ value: objects.value })
      .from(ownerRefs)
      .innerJoin(
        objects,
        and(
          eq(objects.resource, ownerRefs.resource),
          eq(objects.namespace, ownerRefs.namespace),
          eq(objects.name, ownerRefs.name),
        ),
      )
      .where(and(eq(ownerRefs.ownerUid, uid), eq(ownerRefs.resource, resource)))
      .all()
      .map((r) => JSON.parse(r.value) as KubeObject);
  }

  /** Objects of a resource in a namespace that have no owner at all: candidates for adoption. */
  ownerless(resource: string, namespace: string): KubeObject[] {
    const owned = this.db
      .select({ one: sql`1` })
      .from(ownerRefs)
      .where(
        and(
          eq(ownerRefs.resource, objects.resource),
          eq(ownerRefs.namespace, objects.namespace),
          eq(ownerRefs.name, objects.name),
        ),
      );
    return this.db
      .select({ value: objects.value })
      .from(objects)
      .where(and(eq(objects.resource, resource), eq(objects.namespace, namespace), notExists(owned)))
      .all()
      .map((r) => JSON.parse(r.value) as KubeObject);
  }

  /** Every object that has an owner: what a full garbage-collector resync looks at. */
  ownedKeys(): { resource: string; namespace: string; name: string }[] {
    return this.db
      .selectDistinct({ resource: ownerRefs.resource, namespace: ownerRefs.namespace, name: ownerRefs.name })
      .from(ownerRefs)
      .all();
  }

  /** Number of objects of a resource (in a namespace): the remainingItemCount of a page. */
  count(resource: string, namespace: string | undefined): number {
    const conds = [eq(objects.resource, resource)];
    if (namespace !== undefined) conds.push(eq(objects.namespace, namespace));
    return (
      this.db
        .select({ n: sql<number>`count(*)` })
        .from(objects)
        .where(and(...conds))
        .get()?.n ?? 0
    );
  }

  /** The nodes running pods of a namespace (a ConfigMap or Secret there may concern them). */
  nodesWithPodsIn(namespace: string): string[] {
    return this.db
      .selectDistinct({ node: objects.nodeName })
      .from(objects)
      .where(and(eq(objects.resource, "pods"), eq(objects.namespace, namespace)))
      .all()
      .map((r) => r.node)
      .filter((n): n is string => !!n);
  }

  /**
   * The keys of pods not bound to any node yet: what the scheduler places. Keys only: with tens of
   * thousands pending, parsing every one per batch of 500 was most of the scheduler's time.
   */
  unboundPodKeys(): Key[] {
    return this.db
      .select({ namespace: objects.namespace, name: objects.name })
      .from(objects)
      .where(and(eq(objects.resource, "pods"), isNull(objects.nodeName)))
      .all();
  }

  /** The node names bound pods use (the node-name index alone, nothing parsed). */
  podNodeNames(): string[] {
    return this.db
      .selectDistinct({ node: objects.nodeName })
      .from(objects)
      .where(and(eq(objects.resource, "pods"), isNotNull(objects.nodeName)))
      .all()
      .map((r) => r.node)
      .filter((n): n is string => !!n);
  }

  /** The pods bound to a node, read through the node-name index. */
  podsOnNode(nodeName: string): StoredObject[] {
    return this.db
      .select({ rv: objects.rv, value: objects.value })
      .from(objects)
      .where(and(eq(objects.resource, "pods"), eq(objects.nodeName, nodeName)))
      .all()
      .map((r) => ({ rv: r.rv, value: JSON.parse(r.value) as KubeObject }));
  }
}

type Column = typeof objects.namespace | typeof changes.namespace;
type NameColumn = typeof objects.name | typeof changes.name;

/** Keys after `after` in key order, as a row value: SQLite seeks the key index to it. */
function keyAfter(ns: Column, name: NameColumn, after: Key) {
  return sql`(${ns}, ${name}) > (${after.namespace}, ${after.name})`;
}

export function compareKeys(a: Key, b: Key): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}
