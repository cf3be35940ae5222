// The agent's notion of time. Every delay the pod lifecycle observes (back-offs, probe periods,
// grace periods, resyncs) goes through this interface so tests drive a fake clock instead of
// sleeping, and the production clock is the only place that touches the real timers.

/** Cancels a timer; calling it after the timer fired does nothing. */
export type CancelTimer = () => void;

export interface Clock {
  /** ms since the epoch. */
  now(): number;
  /** Calls `callback` once, `ms` from now. */
  setTimer(ms: number, callback: () => void): CancelTimer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, callback) {
    const handle = setTimeout(callback, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};
