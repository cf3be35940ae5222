// Keyed exponential back-off, the shape kubelet uses for both crash loops and image pulls: the first
// failure costs nothing, each later one doubles the wait up to a cap, and an entry left alone for
// long enough is forgotten so an occasional failure weeks later starts again from the bottom.

import type { Clock } from "./clock.ts";

export interface BackoffPolicy {
  /** The first wait (upstream: 10 s). */
  initialMs: number;
  /** The cap (upstream: 5 min). */
  maxMs: number;
  /** An entry not updated for this long starts over (upstream: twice the cap, 10 min). */
  expireAfterMs?: number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();
  private readonly expireAfterMs: number;
  private readonly clock: Clock;
  readonly policy: BackoffPolicy;

  constructor(clock: Clock, policy: BackoffPolicy) {
    this.clock = clock;
    this.policy = policy;
    this.expireAfterMs = policy.expireAfterMs ?? policy.maxMs * 2;
  }

  /** The current wait for `key` (0 when none is recorded). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Records a failure that happened at `eventTime`: the first waits `initialMs`, later ones double. */
  next(key: string, eventTime: number): void {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, eventTime)) {
      this.entries.set(key, { delayMs: this.policy.initialMs, lastUpdate: eventTime });
      return;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, this.policy.maxMs);
    entry.lastUpdate = eventTime;
  }

  /** True while less than the current wait has passed since `eventTime` (a container's exit). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, eventTime)) return false;
    return this.clock.now() - eventTime < entry.delayMs;
  }

  /** True while less than the current wait has passed since the last recorded failure (image pulls). */
  isInBackOffSinceUpdate(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    const now = this.clock.now();
    if (this.expired(entry, now)) return false;
    return now - entry.lastUpdate < entry.delayMs;
  }

  /** When the wait that started at `since` (default: the last failure) ends, in clock ms. */
  until(key: string, since?: number): number | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    return (since ?? entry.lastUpdate) + entry.delayMs;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with `prefix` (a pod's keys once the pod is gone). */
  forgetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private expired(entry: Entry, eventTime: number): boolean {
    return eventTime - entry.lastUpdate > this.expireAfterMs;
  }
}
