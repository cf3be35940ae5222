// Reconnect delays with full jitter (AWS's "Exponential Backoff And Jitter"): a random wait up to an
// exponentially growing cap, so a control plane coming back is not hit by every node at once.

export class ReconnectBackoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;

  constructor(baseMs = 500, capMs = 30_000, random: () => number = Math.random) {
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.random = random;
  }

  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor(this.random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}
