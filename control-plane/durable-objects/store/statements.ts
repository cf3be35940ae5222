// The revision log's hot statements, built once per object with placeholders. Building a query
// with drizzle's builder costs more than SQLite takes to run it (a create ran seven of them: about a
// fifth of the store's CPU per create in `npm run bench:api`'s profile); a prepared query only
// fills its parameters.

import { and, asc, eq, gt, lte, type SQL, sql } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
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

/** Changes after a revision in revision order. Params: rv, limit (-1: all), resource when filtered. */
function changesFrom(db: DrizzleSqliteDODatabase, withResource: boolean) {
  const after = gt(changes.rv, p("rv"));
  return db
    .select()
    .from(changes)
    .where(withResource ? and(after, eq(changes.resource, p("resource"))) : after)
    .orderBy(asc(changes.rv))
    .limit(p("limit"))
    .prepare();
}

/** An `objects` row as placeholders. Params: resource, namespace, name, rv, nodeName, value. */
const objectRow = {
  resource: p("resource"),
  namespace: p("namespace"),
  name: p("name"),
  rv: p("rv"),
  nodeName: p("nodeName"),
  value: p("value"),
};

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
    /** Params: objectRow's. */
    upsertObject: db
      .insert(objects)
      .values(objectRow)
      .onConflictDoUpdate({
        target: [objects.resource, objects.namespace, objects.name],
        set: { rv: sql`excluded.rv`, nodeName: sql`excluded.node_name`, value: sql`excluded.value` },
      })
      .prepare(),
    /** Params: objectRow's. Fails on a key that is taken (a create). */
    insertObject: db.insert(objects).values(objectRow).prepare(),
    /** Params: resource, namespace, name. */
    deleteObject: db.delete(objects).where(key).prepare(),
    /** Params: rv, resource, namespace, name, type, value, prev, at. */
    insertChange: db
      .insert(changes)
      .values({
        rv: p("rv"),
        resource: p("resource"),
        namespace: p("namespace"),
        name: p("name"),
        type: p("type"),
        value: p("value"),
        prev: p("prev"),
        at: p("at"),
      })
      .prepare(),
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

/** Which of `pages` serves a read with or without a namespace and a key to continue after. */
export function pageVariant(withNamespace: boolean, withAfter: boolean): 0 | 1 | 2 | 3 {
  return ((withNamespace ? 2 : 0) + (withAfter ? 1 : 0)) as 0 | 1 | 2 | 3;
}
