// Waiting on a condition with a bound, for end-to-end tests: `probe` is retried every `intervalMs`
// until it returns something other than undefined or false; a probe that throws counts as not yet.
// On timeout the error names the wait, the last failure and what `context` says (pods, events,
// agent output), so a red test explains itself.

export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What to show beside the failure (e.g. the agent's output). */
  context?: () => string | Promise<string>;
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const context = options.context ? `\n${await options.context()}` : "";
      throw new Error(`${what}: not reached in ${timeoutMs} ms${last ? ` (${String(last)})` : ""}${context}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}
