// The controller host's cursor: how far it has synced, kept in memory and saved to SQLite at most
// once per interval. Only the host writes it, so SQLite is read once; a run per commit used to read
// and rewrite it, two statements per pod created in bench:api. A restart replays from the saved
// position, so at worst it syncs one interval's keys again, which level-triggered controllers take
// as a no-op.

export interface CursorStorage {
  load(): number;
  save(position: number): void;
}

export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; answers a cancel function. */
  later(fn: () => void, ms: number): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  later: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export class SavedCursor {
  private position: number | undefined;
  private saved: number | undefined;
  private savedAt = Number.NEGATIVE_INFINITY;
  private cancelSave: (() => void) | undefined;

  private readonly storage: CursorStorage;
  private readonly intervalMs: number;
  private readonly clock: Clock;

  constructor(storage: CursorStorage, intervalMs: number, clock: Clock = realClock) {
    this.storage = storage;
    this.intervalMs = intervalMs;
    this.clock = clock;
  }

  get(): number {
    if (this.position === undefined) {
      this.position = this.storage.load();
      this.saved = this.position;
    }
    return this.position;
  }

  /** The host synced everything up to `position`: saved now, or when the interval allows. */
  advance(position: number): void {
    this.position = position;
    if (position === this.saved || this.cancelSave !== undefined) return;
    const wait = this.savedAt + this.intervalMs - this.clock.now();
    if (wait <= 0) this.save();
    else this.cancelSave = this.clock.later(() => this.save(), wait);
  }

  /** Stops saving (the store is being deleted): a save waiting is dropped. */
  stop(): void {
    this.cancelSave?.();
    this.cancelSave = undefined;
    this.position = undefined;
  }

  private save(): void {
    this.cancelSave = undefined;
    if (this.position === undefined || this.position === this.saved) return;
    this.storage.save(this.position);
    this.saved = this.position;
    this.savedAt = this.clock.now();
  }
}
