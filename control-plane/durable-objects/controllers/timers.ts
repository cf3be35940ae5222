// Controller timers in SQLite: one row per (controller, key), due at a wall-clock ms. The store's
// single alarm is set to the earliest. Memory holds only a lower bound of the earliest due time,
// so that the host's every run (each commit's) does not query SQLite for timers not yet due.

import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { timers } from "../store/tables.ts";

export interface DueTimer {
  controller: string;
  key: string;
}

export class Timers {
  private readonly db: DrizzleSqliteDODatabase;
  /**
   * No timer is due before this (Infinity: none is set); undefined until read from SQLite.
   * Cancelling leaves it as it is: a bound that is too early costs one query, never a late timer.
   */
  private earliest: number | undefined;

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
    if (this.earliest !== undefined) this.earliest = Math.min(this.earliest, due);
  }

  /** Removes and returns every timer due by `now`. */
  takeDue(now: number): DueTimer[] {
    if (this.earliest !== undefined && this.earliest > now) return [];
    const due = this.db
      .select({ controller: timers.controller, key: timers.key })
      .from(timers)
      .where(lte(timers.due, now))
      .orderBy(asc(timers.due))
      .all();
    if (due.length > 0) this.db.delete(timers).where(lte(timers.due, now)).run();
    this.earliest = this.readEarliest() ?? Number.POSITIVE_INFINITY;
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
    this.earliest ??= this.readEarliest() ?? Number.POSITIVE_INFINITY;
    return Number.isFinite(this.earliest) ? this.earliest : undefined;
  }

  private readEarliest(): number | undefined {
    return (
      this.db
        .select({ due: sql<number | null>`min(${timers.due})` })
        .from(timers)
        .get()?.due ?? undefined
    );
  }
}
