// The changes the store handed the controller host as it committed them, kept until a run takes
// them: a run then maps them to keys without reading the log back and parsing every object and its
// previous state again (at 200 pod writes a second that was a fifth of the object's time). The log
// stays the truth: whenever what is held does not continue the host's cursor without a gap (after
// a restart, or a backlog too long to hold), the host reads the log instead.

import type { Change } from "../store/revision-log.ts";

/** Changes held at most; beyond this the feed lets go of all of them and the log serves. */
const MAX_HELD = 10_000;

export class ChangeFeed {
  /** In revision order, as committed. */
  private held: Change[] = [];

  /** The changes of one commit, in revision order. */
  add(changes: readonly Change[]): void {
    if (this.held.length + changes.length > MAX_HELD) this.held = [];
    else for (const c of changes) this.held.push(c);
  }

  /**
   * Up to `limit` changes after `cursor`, when what is held is exactly what the log holds after it
   * (up to `currentRevision`, the log's newest, or `limit` changes); undefined otherwise. What the
   * cursor already passed is let go either way.
   */
  take(cursor: number, limit: number, currentRevision: number): Change[] | undefined {
    let start = 0;
    while (start < this.held.length && this.held[start]!.rv <= cursor) start++;
    let end = start;
    while (end < this.held.length && end - start < limit && this.held[end]!.rv === cursor + 1 + (end - start)) end++;
    const taken = this.held.slice(start, end);
    this.held = this.held.slice(end);
    const last = cursor + taken.length;
    return last >= currentRevision || taken.length === limit ? taken : undefined;
  }
}
