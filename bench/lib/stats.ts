// Medians of figures across runs, and latency samples with their quantiles.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Latency samples in ms, kept compactly: open-loop and watch phases collect ~10^5 of them. */
export class Samples {
  private data = new Float64Array(1024);
  private n = 0;

  add(v: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = v;
  }

  /** Samples holding `values` itself, not a copy (latencies transferred from another thread). */
  static of(values: Float64Array<ArrayBuffer>): Samples {
    const s = new Samples();
    if (values.length > 0) s.data = values;
    s.n = values.length;
    return s;
  }

  /** A copy of the samples, in the order they were added. */
  values(): Float64Array<ArrayBuffer> {
    return this.data.slice(0, this.n);
  }

  get count(): number {
    return this.n;
  }

  quantile(q: number): number {
    if (this.n === 0) return Number.NaN;
    const sorted = this.data.slice(0, this.n).sort();
    const rank = Math.min(this.n - 1, Math.max(0, Math.ceil(q * this.n) - 1));
    return sorted[rank]!;
  }

  max(): number {
    let m = Number.NaN;
    for (let i = 0; i < this.n; i++) if (!(this.data[i]! <= m)) m = this.data[i]!;
    return m;
  }
}
