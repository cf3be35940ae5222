// Texts kubelet writes with Go's formatting: users and tools match on them (kubectl describe,
// dashboards grepping "back-off 5m0s"), so durations and lists are spelled as Go spells them.

/** Go's time.Duration.String() for a whole number of milliseconds: "0s", "500ms", "20s", "5m0s", "1h2m3.5s". */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const whole = Math.floor(rest / 1000);
  const millis = rest - whole * 1000;
  const seconds = millis === 0 ? `${whole}` : `${whole}.${String(millis).padStart(3, "0").replace(/0+$/, "")}`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** Go's %s of a []string: "[a b c]". */
export function goList(items: readonly string[]): string {
  return `[${items.join(" ")}]`;
}

/** metav1.Time as the API writes it: RFC 3339 in whole seconds, UTC. */
export function rfc3339(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** kubelet's format.Pod: "name_namespace(uid)", the way pods are named in messages. */
export function formatPod(pod: { name: string; namespace: string; uid: string }): string {
  return `${pod.name}_${pod.namespace}(${pod.uid})`;
}

/** Go's %q for the strings we quote (image names, paths): JSON's escaping is close enough for them. */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}
