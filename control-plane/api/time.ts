// metav1.Time as the API serialises it: RFC 3339 in whole seconds, UTC. Every write stamps one or
// two (creationTimestamp, a managedFields entry's time), so the text of the current second is kept:
// formatting a Date cost about 1% of a pod create.

let cachedSecond = Number.NaN;
let cachedText = "";

export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    // Throws RangeError for a time that is not one, as formatting it always did.
    cachedText = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
    cachedSecond = second;
  }
  return cachedText;
}
