// Group commit for the writes the API sends the store. A write that finds no commit in flight runs
// at once, alone, as before. Writes that arrive while a commit is in flight wait for it and then
// run back to back in one SQLite transaction (each undone alone when it fails), so under load the
// store commits once per group instead of once per write. A commit costs much the same whether it
// holds one write or thirty (the WAL frames of the pages every write touches: index leaves, the
// page the log appends to, the database header), which is why etcd's backend batches its commits
// too. No answer leaves before its own group is committed (workerd's output gate holds it, as it
// held a lone write's), so a write is acknowledged only once it is as durable as it was alone.

/** What the group needs of the store (StoreCore): one transaction around many writes, one savepoint around each. */
export interface GroupedStore {
  /** Runs `fn` as one transaction; watchers hear of its writes once it is done. */
  batch<T>(fn: () => T): T;
  /** Runs `fn` inside the current transaction; when it throws, its writes are undone and the transaction goes on. */
  isolated<T>(fn: () => T): T;
}

interface Job {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface Outcome {
  ok: boolean;
  value: unknown;
}

/**
 * The group's writes back to back in one transaction, with no savepoints: what a group costs when
 * none of its writes fails, which is nearly always (a savepoint cost about 9 µs a write, some 2% of
 * a create, as workerd prepares its statements again each time). Undefined when one threw: the
 * transaction, undone, left nothing, and the group runs again one by one. Every write can run
 * twice this way: each reads what it needs from the store and does not change what it was given
 * in a way that a second run would see differently.
 */
function straight(store: GroupedStore, jobs: readonly Job[]): Outcome[] | undefined {
  const outcomes: Outcome[] = [];
  try {
    store.batch(() => {
      for (const job of jobs) outcomes.push({ ok: true, value: job.run() });
    });
    return outcomes;
  } catch {
    return undefined;
  }
}

/** The group's writes each in a savepoint of its own: one that fails is undone alone. */
function oneByOne(store: GroupedStore, jobs: readonly Job[]): Outcome[] {
  const outcomes: Outcome[] = [];
  store.batch(() => {
    for (const job of jobs) {
      try {
        outcomes.push({ ok: true, value: store.isolated(job.run) });
      } catch (err) {
        outcomes.push({ ok: false, value: err });
      }
    }
  });
  return outcomes;
}

export class WriteGroup {
  private readonly store: () => GroupedStore;
  private readonly durable: () => Promise<void>;
  private queue: Job[] = [];
  private committing = false;

  /**
   * `store` is asked for at each flush (the store object exists once the Durable Object is ready);
   * `durable` resolves once everything written so far is committed (`ctx.storage.sync()`).
   */
  constructor(store: () => GroupedStore, durable: () => Promise<void>) {
    this.store = store;
    this.durable = durable;
  }

  /** Runs `write` now, or with the next group when a commit is in flight; resolves once it is committed. */
  submit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.committing) this.flush();
    });
  }

  private flush(): void {
    const jobs = this.queue;
    this.queue = [];
    let outcomes: Outcome[] = [];
    let failed: { err: unknown } | undefined;
    try {
      const store = this.store();
      if (jobs.length === 1) {
        // A lone write needs no savepoint of its own: the group's transaction is its, and undoes
        // it when it throws.
        store.batch(() => outcomes.push({ ok: true, value: jobs[0]!.run() }));
      } else {
        outcomes = straight(store, jobs) ?? oneByOne(store, jobs);
      }
    } catch (err) {
      // The group's transaction failed (or its lone write did): none of its writes stands.
      failed = { err };
    }
    // Asked for after the writes, so that it waits for their commit.
    this.awaitCommit();
    jobs.forEach((job, i) => {
      const outcome = outcomes[i];
      if (failed) job.reject(failed.err);
      else if (outcome?.ok) job.resolve(outcome.value);
      else job.reject(outcome?.value);
    });
  }

  /** Holds later writes until what was written so far is committed, then runs them as one group. */
  private awaitCommit(): void {
    this.committing = true;
    this.durable().then(
      () => {
        this.committing = false;
        if (this.queue.length > 0) this.flush();
      },
      (err: unknown) => {
        // The storage failed (workerd breaks the object then): nothing waiting can be written.
        this.committing = false;
        const waiting = this.queue;
        this.queue = [];
        for (const job of waiting) job.reject(err);
      },
    );
  }
}
