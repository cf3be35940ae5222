// The controller host: runs every controller inside the store Durable Object. After each commit
// the store hands it the committed changes (change-feed.ts); it takes the changes since its cursor
// (kept in SQLite, saved at most once a second), turns them into dirty keys, syncs each key and
// writes the plans' actions back through the store in one transaction per sync. Timers live in SQLite behind the object's single
// alarm. A run yields after a time budget so API requests are not starved; nothing it needs lives
// only in memory (what the feed holds is also in the log).

import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { EventSpec } from "../../controllers/types.ts";
import type { Change } from "../store/revision-log.ts";
import type { StoreCore } from "../store/store-core.ts";
import { ChangeFeed } from "./change-feed.ts";
import type { Controller, ControllerConfig, HostContext } from "./controller.ts";
import { execute } from "./execute.ts";
import { SavedCursor } from "./saved-cursor.ts";
import { Timers } from "./timers.ts";

const CURSOR = "controllers.cursor";
const BUDGET_MS = 40;
const CHANGES_PER_ROUND = 2000;
/** How long the host may work through a backlog back to back before it shares the object. */
const SUSTAINED_MS = 250;
/** The longest the saved cursor lags the host's position (saved-cursor.ts). */
const CURSOR_SAVE_MS = 1000;

export interface HostOptions {
  config: ControllerConfig;
  /** Sets the Durable Object's alarm (the host's timers are due then). */
  setAlarm: (at: number) => void;
  recordEvent: (spec: EventSpec, ctx: HostContext) => void;
  log?: (line: string) => void;
}

export class ControllerHost {
  private readonly core: StoreCore;
  private readonly controllers: readonly Controller[];
  private readonly timers: Timers;
  private readonly opts: HostOptions;
  private readonly startedAt = Date.now();
  private scheduled = false;
  private running = false;
  private alarmAt: number | undefined;
  private stopped = false;
  /** Until when the host leaves the object to requests (it spent its budget and has more to do). */
  private pausedUntil = 0;
  /** When the current streak of runs that each spent their whole budget began. */
  private busySince: number | undefined;
  /** Changes committed since the last run, as the store handed them over. */
  private readonly feed = new ChangeFeed();
  /** How far the host has synced (saved-cursor.ts). */
  private readonly cursor: SavedCursor;

  constructor(core: StoreCore, db: DrizzleSqliteDODatabase, controllers: readonly Controller[], opts: HostOptions) {
    this.core = core;
    this.controllers = controllers;
    this.timers = new Timers(db);
    this.opts = opts;
    this.cursor = new SavedCursor(
      { load: () => core.log.getCounter(CURSOR), save: (at) => core.log.setCounter(CURSOR, at) },
      CURSOR_SAVE_MS,
    );
  }

  /** Queues the controllers' startup keys (node health, event expiry...), then runs. */
  start(): void {
    const ctx = this.context();
    for (const c of this.controllers)
      for (const key of c.startupKeys?.(ctx) ?? []) this.timers.set(c.name, key, ctx.now);
    this.nudge();
  }

  /** Called after every commit with its changes: keeps them for the next run, which it schedules. */
  committed(changes: readonly Change[]): void {
    this.feed.add(changes);
    this.nudge();
  }

  /** Schedules a run soon, coalescing bursts of writes. */
  nudge(delayMs = 0): void {
    if (this.scheduled || this.running || this.stopped) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      // This is the run a pause waits for (while one is scheduled, nudges add none).
      this.pausedUntil = 0;
      this.run();
    }, delayMs);
  }

  private context(): HostContext {
    return {
      core: this.core,
      now: Date.now(),
      startedAt: this.startedAt,
      config: this.opts.config,
      random: Math.random,
    };
  }

  /** Collects dirty keys per controller: changes after the cursor, then due timers. */
  private collect(work: Map<Controller, Set<string>>): number {
    const log = this.core.log;
    let cursor = this.cursor.get();
    const add = (c: Controller, key: string) => {
      let keys = work.get(c);
      if (!keys) {
        keys = new Set();
        work.set(c, keys);
      }
      keys.add(key);
    };
    if (cursor < log.compactedRevision()) {
      // The history we would read is gone: every key is dirty.
      const ctx = this.context();
      for (const c of this.controllers) for (const k of c.allKeys(ctx)) add(c, k);
      cursor = log.currentRevision();
    } else {
      const changes =
        this.feed.take(cursor, CHANGES_PER_ROUND, log.currentRevision()) ??
        log.changesAfter(cursor, undefined, CHANGES_PER_ROUND);
      for (const change of changes) {
        for (const c of this.controllers) for (const k of c.keysFor(change)) add(c, k);
        cursor = change.rv;
      }
    }
    const byName = new Map(this.controllers.map((c) => [c.name, c]));
    for (const t of this.timers.takeDue(Date.now())) {
      const c = byName.get(t.controller);
      if (c) add(c, t.key);
    }
    return cursor;
  }

  /** Syncs dirty keys until none are left or the time budget is spent (then continues soon). */
  run(): void {
    if (this.running || this.stopped) return;
    // Pausing after a full budget (see below): the run already scheduled for then does the work.
    if (Date.now() < this.pausedUntil) return;
    this.running = true;
    const started = Date.now();
    let more = false;
    try {
      for (;;) {
        const work = new Map<Controller, Set<string>>();
        const cursor = this.collect(work);
        let synced = 0;
        for (const c of this.controllers) {
          for (const key of work.get(c) ?? []) {
            // A key synced moments ago waits (a sample-controller-style rate limit): a burst of
            // pod status writes then costs one ReplicaSet sync per interval, not one per write.
            const wait = this.tooSoon(c, key);
            if (wait > 0) {
              this.timers.set(c.name, key, Date.now() + wait);
              continue;
            }
            const t = Date.now();
            this.syncKey(c, key);
            this.noteSync(c, key, t);
            synced++;
          }
        }
        // The cursor moves only once its keys are synced: a crash in between replays them.
        this.cursor.advance(cursor);
        if (synced === 0 && cursor >= this.core.log.currentRevision()) break;
        if (Date.now() - started > BUDGET_MS) {
          more = true;
          break;
        }
      }
    } catch (err) {
      this.opts.log?.(`controller host: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    } finally {
      this.running = false;
      this.armAlarm();
    }
    // Out of budget: yield to waiting requests, then carry on. Every commit nudges the host, so
    // under a sustained backlog resuming at once let each request be followed by a whole budget of
    // controller work: the store answered some 25 requests a second and a thousand nodes' lease
    // renewals fell behind until every node looked lost. Once the host has been busy for longer
    // than a burst, it pauses as long as it worked, which keeps at least half of the object's time
    // for requests; a short burst (a few pods created at once) still runs straight through.
    if (!more) this.busySince = undefined;
    else {
      this.busySince ??= started;
      const pause = Date.now() - this.busySince > SUSTAINED_MS ? Date.now() - started : 0;
      this.pausedUntil = Date.now() + pause;
      this.nudge(pause);
    }
  }

  private readonly lastSync = new Map<string, { at: number; costMs: number }>();

  /**
   * How long (ms) before this key may sync again: its controller's minimum interval, stretched to
   * four times what its last sync cost, so one expensive key (a ReplicaSet of thousands of pods)
   * takes at most a fifth of the object's time however fast its pods change.
   */
  private tooSoon(c: Controller, key: string): number {
    if (!c.minSyncIntervalMs) return 0;
    const last = this.lastSync.get(`${c.name}\0${key}`);
    if (!last) return 0;
    return Math.max(0, Math.max(c.minSyncIntervalMs, 4 * last.costMs) - (Date.now() - last.at));
  }

  private noteSync(c: Controller, key: string, startedAt: number): void {
    if (!c.minSyncIntervalMs) return;
    if (this.lastSync.size > 50_000) this.lastSync.clear();
    this.lastSync.set(`${c.name}\0${key}`, { at: startedAt, costMs: Date.now() - startedAt });
  }

  private syncKey(c: Controller, key: string): void {
    const ctx = this.context();
    try {
      const actions = c.sync(key, ctx);
      if (actions.length === 0) return;
      const outcome = this.core.batch(() =>
        execute(
          { core: this.core, manager: c.manager, recordEvent: (spec) => this.opts.recordEvent(spec, ctx) },
          actions,
        ),
      );
      for (const f of outcome.failures) this.opts.log?.(`${c.name} ${key}: ${f}`);
      if (outcome.requeueAfterMs !== undefined) this.timers.set(c.name, key, ctx.now + outcome.requeueAfterMs);
    } catch (err) {
      this.opts.log?.(
        `${c.name} ${key}: sync failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      this.timers.set(c.name, key, ctx.now + 1000);
    }
  }

  private armAlarm(): void {
    const next = this.timers.next();
    if (next === undefined || next === this.alarmAt) return;
    this.alarmAt = next;
    this.opts.setAlarm(next);
  }

  /** Stops for good (the cluster's storage is being deleted). */
  stop(): void {
    this.stopped = true;
    this.cursor.stop();
  }

  /** The Durable Object's alarm: never throws, always re-arms (Cloudflare stops retrying failing alarms). */
  alarm(): void {
    this.alarmAt = undefined;
    this.run();
  }
}
