// workerd's garbage collections, read from V8's --trace-gc lines (`npm run bench:api -- --gc`).
// Locally every isolate shares workerd's one thread, and this workerd's V8 never marks
// incrementally: each full collection (Mark-Compact) stops every request and stream for its whole
// pause. Counting them over a phase tells a tail latency set by the collector from one set by the
// code. Lines are stamped as they arrive here, which is close enough to window them by phase.

/** V8's trace line: `... 5079 ms: Mark-Compact 47.2 (51.4) -> 11.5 (28.9) MB, pooled: 22.0 MB, 24.74 / 0.00 ms (...`. */
const TRACE_LINE = /\d+ ms: (Mark-Compact|Scavenge|Minor Mark-Sweep)\b.*?, ([\d.]+) \/ [\d.]+ ms \(/;

/** The V8 flag that makes workerd print those lines. */
export const TRACE_GC_FLAG = "--trace-gc";

interface Collection {
  at: number;
  full: boolean;
  pauseMs: number;
}

export interface GcSummary {
  /** Full collections (Mark-Compact). */
  fullGcs: number;
  /** The longest full collection's pause, ms (0 with none). */
  fullGcMaxMs: number;
  /** Every collection's pause added up, young ones included, ms. */
  pauseTotalMs: number;
}

export class GcLog {
  private readonly collections: Collection[] = [];
  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  /** Records a trace line; answers whether the line was one (the caller then need not print it). */
  observe(line: string): boolean {
    const m = TRACE_LINE.exec(line);
    if (!m) return false;
    this.collections.push({ at: this.now(), full: m[1] === "Mark-Compact", pauseMs: Number(m[2]) });
    return true;
  }

  /** The collections recorded from `from` to `to` (this.now() times). */
  between(from: number, to: number): GcSummary {
    let fullGcs = 0;
    let fullGcMaxMs = 0;
    let pauseTotalMs = 0;
    for (const c of this.collections) {
      if (c.at < from || c.at > to) continue;
      pauseTotalMs += c.pauseMs;
      if (!c.full) continue;
      fullGcs++;
      fullGcMaxMs = Math.max(fullGcMaxMs, c.pauseMs);
    }
    return { fullGcs, fullGcMaxMs, pauseTotalMs };
  }
}
