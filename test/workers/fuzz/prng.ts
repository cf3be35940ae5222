// A seeded PRNG and the random draws the fuzzer makes from it, so a failing run replays exactly
// from the seed it prints.

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: tiny, fast and good enough to pick inputs. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)]!;
  }

  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let x = this.next() * total;
    for (const [w, v] of choices) {
      x -= w;
      if (x < 0) return v;
    }
    return choices[choices.length - 1]![1];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** A string of `n` characters drawn from `alphabet`. */
  fromAlphabet(alphabet: string, n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** Unicode that stresses decoders: controls, combining marks, RTL, astral planes, lone surrogates. */
  unicode(n: number): string {
    const ranges: readonly (readonly [number, number])[] = [
      [0x00, 0x1f],
      [0x20, 0x7e],
      [0x80, 0xff],
      [0x300, 0x36f],
      [0x590, 0x6ff],
      [0x4e00, 0x4fff],
      [0xd800, 0xdfff],
      [0xfff0, 0xffff],
      [0x1f300, 0x1f6ff],
      [0x10fff0, 0x10ffff],
    ];
    let out = "";
    for (let i = 0; i < n; i++) {
      const [lo, hi] = this.pick(ranges);
      out += String.fromCodePoint(lo + this.int(hi - lo + 1));
    }
    return out;
  }
}

/** A fresh seed for a run. */
export function runSeed(): number {
  return (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) >>> 0;
}
