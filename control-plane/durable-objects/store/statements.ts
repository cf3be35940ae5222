// The revision log's hot statements, built once per object with placeholders. Building a query
// with drizzle's builder costs more than SQLite takes to run it (a create ran seven of them: about a
// fifth of the store's CPU per create in `npm run bench:api`'s profile); a prepared query only
// fills its parameters.

import { and, asc, eq, gt, lte, type SQL, sql } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { ChangeType } from "./revision-log.ts";
import { changes, meta, objects } from "./tables.ts";

const p = (name: string) => sql.placeholder(name);

/**
 * A page of current objects of a resource at or below a revision, in key order. Params: resource,
 * at, limit, and namespace / afterNamespace + afterName for the variants that filter on them.
 */
function currentPage(db: DrizzleSqliteDODatabase, withNamespace: boolean, withAfter: boolean) {
  const conds: SQL[] = [eq(objects.resource, p("resource")), lte(objects.rv, p("at"))];
  if (withNamespace) conds.push(eq(objects.namespace, p("namespace")));
  // A row value, so SQLite seeks the key index to where the page starts (an OR of the two
  // comparisons made it walk the namespace from its first key, every page).
  if (withAfter) conds.push(sql`(${objects.namespace}, ${objects.name}) > (${p("afterNamespace")}, ${p("afterName")})`);
  return db
    .select({ rv: objects.rv, namespace: objects.namespace, name: objects.name, value: objects.value })
    .from(objects)
    .where(and(...conds))
    .orderBy(asc(objects.namespace), asc(objects.name))
    .limit(p("limit"))
    .prepare();
}

/**
 * A change's object. A deletion keeps it in its own row, as rows written before 2026-11-27 all do;
 * any other change leaves its `value` empty (the object is stored once: revision-log.ts append),
 * and the object is the current one while that change is its key's newest, else the `prev` of the
 * key's next change. Written out, as the subqueries refer to the outer row by table name.
 */
const changeValue = sql<string>`case when "changes"."value" <> '' then "changes"."value" else coalesce(
  (select o."value" from "objects" o where o."resource" = "changes"."resource" and o."namespace" = "changes"."namespace"
    and o."name" = "changes"."name" and o."rv" = "changes"."rv"),
  (select n."prev" from "changes" n where n."resource" = "changes"."resource" and n."namespace" = "changes"."namespace"
    and n."name" = "changes"."name" and n."rv" > "changes"."rv" order by n."rv" limit 1)) end`;

/** Changes after a revision in revision order. Params: rv, limit (-1: all), resource when filtered. */
function changesFrom(db: DrizzleSqliteDODatabase, withResource: boolean) {
  const after = gt(changes.rv, p("rv"));
  return db
    .select({
      rv: changes.rv,
      resource: changes.resource,
      namespace: changes.namespace,
      name: changes.name,
      type: changes.type,
      value: changeValue,
      prev: changes.prev,
    })
    .from(changes)
    .where(withResource ? and(after, eq(changes.resource, p("resource"))) : after)
    .orderBy(asc(changes.rv))
    .limit(p("limit"))
    .prepare();
}

export function prepareStatements(db: DrizzleSqliteDODatabase) {
  const key = and(
    eq(objects.resource, p("resource")),
    eq(objects.namespace, p("namespace")),
    eq(objects.name, p("name")),
  );
  return {
    /** Indexed by pageVariant(). */
    pages: [
      currentPage(db, false, false),
      currentPage(db, false, true),
      currentPage(db, true, false),
      currentPage(db, true, true),
    ] as const,
    changesAfter: changesFrom(db, false),
    changesOfResourceAfter: changesFrom(db, true),
    /** Params: resource, namespace, name. */
    getObject: db.select({ rv: objects.rv, value: objects.value }).from(objects).where(key).prepare(),
    /** Params: resource, namespace, name. */
    deleteObject: db.delete(objects).where(key).prepare(),
    /** Params: key. */
    readMeta: db
      .select({ value: meta.value })
      .from(meta)
      .where(eq(meta.key, p("key")))
      .prepare(),
    /** Params: key, value. */
    writeMeta: db
      .insert(meta)
      .values({ key: p("key"), value: p("value") })
      .onConflictDoUpdate({ target: meta.key, set: { value: sql`excluded.value` } })
      .prepare(),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** An `objects` row. */
export interface ObjectRow {
  resource: string;
  namespace: string;
  name: string;
  rv: number;
  nodeName: string | null;
  value: string;
}

/** A `changes` row. */
export interface ChangeRow {
  rv: number;
  resource: string;
  namespace: string;
  name: string;
  type: ChangeType;
  value: string;
  prev: string | null;
  at: number;
}

const OBJECT_COLUMNS = [objects.resource, objects.namespace, objects.name, objects.rv, objects.nodeName, objects.value];
const CHANGE_COLUMNS = [
  changes.rv,
  changes.resource,
  changes.namespace,
  changes.name,
  changes.type,
  changes.value,
  changes.prev,
  changes.at,
];

function insertInto(table: string, columns: readonly { name: string }[]): string {
  return `INSERT INTO ${table} (${columns.map((c) => c.name).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;
}

const INSERT_OBJECT = insertInto("objects", OBJECT_COLUMNS);
const UPSERT_OBJECT = `${INSERT_OBJECT} ON CONFLICT (${objects.resource.name}, ${objects.namespace.name}, ${objects.name.name}) DO UPDATE SET ${[objects.rv, objects.nodeName, objects.value].map((c) => `${c.name} = excluded.${c.name}`).join(", ")}`;
const INSERT_CHANGE = insertInto("changes", CHANGE_COLUMNS);

/**
 * The inserts every write makes, as plain SQL on the object's SqlStorage (the text built once from
 * the drizzle tables' column names). Through drizzle's prepared queries, filling the placeholders
 * (an entity check per parameter) added a sixth to each: 2.1% of workerd's samples in a creates
 * profile, against 12.5% for SQLite's `exec` itself.
 */
export function writeStatements(sql: SqlStorage) {
  return {
    insertObject: (r: ObjectRow) => {
      sql.exec(INSERT_OBJECT, r.resource, r.namespace, r.name, r.rv, r.nodeName, r.value);
    },
    upsertObject: (r: ObjectRow) => {
      sql.exec(UPSERT_OBJECT, r.resource, r.namespace, r.name, r.rv, r.nodeName, r.value);
    },
    insertChange: (c: ChangeRow) => {
      sql.exec(INSERT_CHANGE, c.rv, c.resource, c.namespace, c.name, c.type, c.value, c.prev, c.at);
    },
  };
}

/** Which of `pages` serves a read with or without a namespace and a key to continue after. */
export function pageVariant(withNamespace: boolean, withAfter: boolean): 0 | 1 | 2 | 3 {
  return ((withNamespace ? 2 : 0) + (withAfter ? 1 : 0)) as 0 | 1 | 2 | 3;
}
