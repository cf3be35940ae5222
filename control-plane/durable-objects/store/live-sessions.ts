// Which nodes have a live session: a Durable Object with a connected agent, heard from recently.
// A session calls the store on hello, on every report and at least once per keepalive interval
// (its lease renewal), so a node not heard from for a few intervals has no agent to tell
// anything. Pokes go only to live sessions: a simulated node, or a Raspberry Pi that is off, has
// nothing to push to, and poking its Durable Object (waking it, once per change) was the cost
// that grew with every node the cluster had ever seen.
//
// Memory only, on purpose: after the store restarts the set is empty, and each connected session
// comes back within one keepalive interval, when `heard` reports it new and the store pokes it
// once, so it reads whatever changed meanwhile.

export class LiveSessions {
  private readonly lastHeard = new Map<string, number>();
  private readonly ttlMs: number;

  /** `ttlMs`: how long after the last call a session still counts as live (a few keepalives). */
  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** The node's session called in. True when it was not live before: it may have missed pokes. */
  heard(node: string, now: number): boolean {
    const last = this.lastHeard.get(node);
    this.lastHeard.set(node, now);
    return last === undefined || now - last > this.ttlMs;
  }

  isLive(node: string, now: number): boolean {
    const last = this.lastHeard.get(node);
    return last !== undefined && now - last <= this.ttlMs;
  }

  /** The live sessions among `nodes`; every live one when `nodes` is omitted. Forgets the stale. */
  live(now: number, nodes?: Iterable<string>): string[] {
    const out: string[] = [];
    if (nodes) {
      for (const n of nodes) if (this.isLive(n, now)) out.push(n);
      return out;
    }
    for (const [n, at] of this.lastHeard) {
      if (now - at <= this.ttlMs) out.push(n);
      else this.lastHeard.delete(n);
    }
    return out;
  }

  /** The node is gone (deleted): nothing more to tell it. */
  forget(node: string): void {
    this.lastHeard.delete(node);
  }
}
