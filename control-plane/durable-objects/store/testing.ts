// What the store's tests inside workerd share: unwrapping a store result, and waiting (with a
// bound) for something the controllers do after a write.

import type { StoreResult } from "./types.ts";

/** The value of a successful store call; a failure throws with its Status. */
export function ok<T>(r: StoreResult<T>): T {
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r.status)}`);
  return r.value;
}

/** Retries `check` every 25 ms until it stops throwing, for at most `ms`. */
export async function eventually(check: () => Promise<void>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
