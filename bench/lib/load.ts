// Load shapes. Closed loop: N workers each send the next request when the last one answered, which
// finds the maximum throughput at that concurrency. Open loop: requests leave on a fixed schedule
// whatever the server does, and latency counts from the scheduled time, so a stall shows up in the
// percentiles instead of silently slowing the sender (coordinated omission).
import { Samples } from "./stats.ts";

export interface ThroughputResult {
  ok: number;
  errors: number;
  seconds: number;
  perSecond: number;
  /** First error seen, for the report. */
  firstError?: string;
}

/**
 * Runs `op` from `concurrency` loops for `durationMs`; `op` resolves true when the answer was the
 * expected one. Each call gets a sequence number unique within the phase.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  op: (seq: number) => Promise<true | string>,
): Promise<ThroughputResult> {
  let seq = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const end = started + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      try {
        const r = await op(seq++);
        if (r === true) ok++;
        else {
          errors++;
          firstError ??= r;
        }
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  return { ok, errors, seconds, perSecond: ok / seconds, firstError };
}

export interface LatencyResult {
  sent: number;
  ok: number;
  errors: number;
  /** ms from each request's scheduled send time to its complete answer. */
  latency: Samples;
  /** How far behind schedule the sender itself ran at worst (client saturation check), ms. */
  maxSendLagMs: number;
  firstError?: string;
}

/**
 * Sends `op(seq, scheduledAt)` at `ratePerSecond` for `durationMs`, not waiting for answers.
 * `scheduledAt` is a performance.now() time; op resolves true when the answer was the expected one.
 */
export async function openLoop(
  ratePerSecond: number,
  durationMs: number,
  op: (seq: number, scheduledAt: number) => Promise<true | string>,
): Promise<LatencyResult> {
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const interval = 1000 / ratePerSecond;
  const latency = new Samples();
  const inflight: Promise<void>[] = [];
  let ok = 0;
  let errors = 0;
  let maxSendLagMs = 0;
  let firstError: string | undefined;
  const start = performance.now() + 5;
  const fire = (seq: number, at: number): Promise<void> =>
    op(seq, at).then(
      (r) => {
        latency.add(performance.now() - at);
        if (r === true) ok++;
        else {
          errors++;
          firstError ??= r;
        }
      },
      (err: unknown) => {
        errors++;
        firstError ??= String(err);
      },
    );
  let next = 0;
  while (next < total) {
    const now = performance.now();
    // Send everything that is due (timers fire late under load; catch up rather than drift).
    while (next < total && start + next * interval <= now) {
      const at = start + next * interval;
      maxSendLagMs = Math.max(maxSendLagMs, now - at);
      inflight.push(fire(next, at));
      next++;
    }
    if (next < total) await sleep(Math.max(0, start + next * interval - performance.now()));
  }
  await Promise.all(inflight);
  return { sent: total, ok, errors, latency, maxSendLagMs, firstError };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
