// Times as the API writes them, and back. Controllers get `now` as milliseconds from their host so
// every plan is a pure function of its input; these helpers are the only place a clock value meets
// a string. Shared by the gc, namespace, node-lifecycle and events plans.

/** metav1.Time: RFC 3339 in whole seconds, UTC (what kube-apiserver stores for most time fields). */
export { rfc3339 } from "../../api/time.ts";

/** Milliseconds since the epoch, or undefined for a missing or malformed time. */
export function parseTime(text: unknown): number | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The smallest positive delay among candidates (undefined entries ignored), for a single requeue. */
export function earliest(delays: Iterable<number | undefined>): number | undefined {
  let best: number | undefined;
  for (const d of delays) {
    if (d === undefined || !Number.isFinite(d)) continue;
    const positive = Math.max(0, d);
    if (best === undefined || positive < best) best = positive;
  }
  return best;
}
