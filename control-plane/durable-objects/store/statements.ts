// The revision log's hot statements, built once per object with placeholders. Building a query
// with drizzle's builder costs more than SQLite takes to run it (a create ran seven of them: about a
// fifth of the store's CPU per create in `npm run bench:api`'s profile); a prepared query only
// fills its parameters.

import { and, eq, sql } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { changes, meta, objects } from "./tables.ts";

const p = (name: string) => sql.placeholder(name);

export function prepareStatements(db: DrizzleSqliteDODatabase) {
  const key = and(
    eq(objects.resource, p("resource")),
    eq(objects.namespace, p("namespace")),
    eq(objects.name, p("name")),
  );
  return {
    /** Params: resource, namespace, name. */
    getObject: db.select({ rv: objects.rv, value: objects.value }).from(objects).where(key).prepare(),
    /** Params: resource, namespace, name, rv, nodeName, value. */
    upsertObject: db
      .insert(objects)
      .values({
        resource: p("resource"),
        namespace: p("namespace"),
        name: p("name"),
        rv: p("rv"),
        nodeName: p("nodeName"),
        value: p("value"),
      })
      .onConflictDoUpdate({
        target: [objects.resource, objects.namespace, objects.name],
        set: { rv: sql`excluded.rv`, nodeName: sql`excluded.node_name`, value: sql`excluded.value` },
      })
      .prepare(),
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
