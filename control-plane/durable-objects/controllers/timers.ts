// Controller timers in SQLite: one row per (controller, key), due at a wall-clock ms. The store's
// single alarm is set to the earliest; nothing about them lives only in memory.

import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { timers } from "../store/tables.ts";

export interface DueTimer {
  controller: string;
  key: string;
}

export class Timers {
  private readonly db: DrizzleSqliteDODatabase;

  constructor(db: DrizzleSqliteDODatabase) {
    this.db = db;
  }

  /** Schedules (controller, key) at `due`, keeping the earlier time when one is already set. */
  set(controller: string, key: string, due: number): void {
    this.db
      .insert(timers)
      .values({ controller, key, due })
      .onConflictDoUpdate({
        target: [timers.controller, timers.key],
        set: { due: sql`min(${timers.due}, excluded.due)` },
      })
      .run();
  }

  /** Removes and returns every timer due by `now`. */
  takeDue(now: number): DueTimer[] {
    const due = this.db
      .select({ controller: timers.controller, key: timers.key })
      .from(timers)
      .where(lte(timers.due, now))
      .orderBy(asc(timers.due))
      .all();
    if (due.length > 0) this.db.delete(timers).where(lte(timers.due, now)).run();
    return due;
  }

  cancel(controller: string, key: string): void {
    this.db
      .delete(timers)
      .where(and(eq(timers.controller, controller), eq(timers.key, key)))
      .run();
  }

  /** The earliest due time, if any. */
  next(): number | undefined {
    return (
      this.db
        .select({ due: sql<number | null>`min(${timers.due})` })
        .from(timers)
        .get()?.due ?? undefined
    );
  }
}
