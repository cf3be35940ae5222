// Reads newline-delimited watch events from a stream, waiting on conditions with a bound.

export interface WatchEvent {
  type: string;
  object: {
    kind?: string;
    metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
    [k: string]: unknown;
  };
}

export class WatchReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";
  readonly events: WatchEvent[] = [];
  ended = false;
  /** A read still waiting when a bound passed: the next wait takes its result, so no chunk is lost. */
  private reading: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  private async pump(deadline: number): Promise<boolean> {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || this.ended) return false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), remaining);
    });
    this.reading ??= this.reader.read();
    const next = await Promise.race([this.reading, timeout]);
    if (timer !== null) clearTimeout(timer);
    if (next === "timeout") return false;
    this.reading = undefined;
    if (next.done) {
      this.ended = true;
      return false;
    }
    this.buffer += this.decoder.decode(next.value, { stream: true });
    let nl = this.buffer.indexOf("\n");
    while (nl >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim()) this.events.push(JSON.parse(line) as WatchEvent);
      nl = this.buffer.indexOf("\n");
    }
    return true;
  }

  /** Waits until `count` events have arrived (or the stream ends, or the bound passes). */
  async waitFor(count: number, ms = 3000): Promise<WatchEvent[]> {
    const deadline = Date.now() + ms;
    while (this.events.length < count && (await this.pump(deadline))) {}
    return this.events;
  }

  /** Waits for the stream to end. */
  async waitForEnd(ms = 3000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.ended && (await this.pump(deadline))) {}
    return this.ended;
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}
