// Random request paths and query strings: real resources and subresources mixed with unknown
// groups, traversal-looking and percent-encoded segments, very long names and garbage.

import { RESOURCES } from "../../../schemas/registry.ts";
import { randomName, randomString } from "./mutate.ts";
import type { Rng } from "./prng.ts";

/** encodeURIComponent, after replacing lone surrogates (which it refuses) as a URL parser would. */
export function enc(text: string): string {
  return encodeURIComponent(
    text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"),
  );
}

const ODD_SEGMENTS = [
  "..",
  ".",
  "%2e%2e",
  "%2E",
  "%2F",
  "a%2Fb",
  "%00",
  "%zz",
  "%",
  "%C3%28",
  "%ED%A0%80",
  "~",
  "*",
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "watch",
  "namespaces",
  "status",
  "api",
  "apis",
] as const;

const SUBRESOURCES = [
  "status",
  "scale",
  "binding",
  "eviction",
  "log",
  "exec",
  "attach",
  "portforward",
  "token",
  "proxy",
];

/** Any segment: mostly plausible, sometimes hostile. */
function segment(rng: Rng, known: readonly string[]): string {
  return rng.weighted<() => string>([
    [4, () => (known.length > 0 ? rng.pick(known) : "x")],
    [3, () => rng.pick(ODD_SEGMENTS)],
    [2, () => enc(randomName(rng))],
    [1, () => "n".repeat(250 + rng.int(5000))],
    [1, () => enc(rng.unicode(1 + rng.int(6)))],
  ])();
}

export function randomNamespace(rng: Rng, namespaces: readonly string[]): string {
  return rng.chance(0.8) ? rng.pick(namespaces) : segment(rng, ["missing-ns", "kube-system", "Default"]);
}

/** A path under the cluster prefix, built from resource paths with parts replaced or added. */
export function randomPath(rng: Rng, namespaces: readonly string[], names: readonly string[]): string {
  const rt = rng.pick(RESOURCES);
  const root = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
  const parts: string[] = root.slice(1).split("/");
  if (rng.chance(0.1)) parts.splice(parts.length - 1, 0, rng.pick(["watch", "unknown.example.com", "v2"]));
  if (rng.chance(0.15)) parts[rng.int(parts.length)] = segment(rng, ["apps", "v1", "v1beta1", "batch", ""]);
  if (rt.namespaced && rng.chance(0.7)) parts.push("namespaces", randomNamespace(rng, namespaces));
  if (rng.chance(0.9)) parts.push(rng.chance(0.85) ? rt.plural : segment(rng, ["widgets", "pod", "Pods", "all"]));
  if (rng.chance(0.6)) parts.push(segment(rng, names));
  if (rng.chance(0.3)) parts.push(rng.chance(0.8) ? rng.pick(SUBRESOURCES) : segment(rng, []));
  for (let extra = rng.chance(0.1) ? 1 + rng.int(3) : 0; extra > 0; extra--) parts.push(segment(rng, names));
  if (rng.chance(0.05)) return rng.pick(["/", "/api", "/apis", "/apis/", "//api//v1", "/version", "/openapi/v3/x"]);
  return `/${parts.join("/")}${rng.chance(0.05) ? "/" : ""}`;
}

const SELECTOR_GARBAGE = [
  "",
  "=",
  "==",
  "!=",
  "a",
  "a=b",
  "a==b,c!=d",
  "!a",
  "a in (b,c)",
  "a notin (b",
  "a in ()",
  "a,,b",
  "a=b=c",
  "(((",
  "a>1",
  "a<x",
  "metadata.name=x",
  "metadata.namespace!=default",
  "spec.nodeName=",
  "status.phase=Running,status.phase=Pending",
  "bogus.field=1",
  "a=\u0000",
  "x".repeat(5000),
] as const;

const RV_GARBAGE = ["", "0", "1", "-1", "abc", "1.5", "1e3", "99999999999", "18446744073709551616", " 1", "0x10"];

function queryValue(rng: Rng, name: string): string {
  switch (name) {
    case "labelSelector":
    case "fieldSelector":
      return rng.chance(0.7) ? rng.pick(SELECTOR_GARBAGE) : randomString(rng);
    case "limit":
      return rng.pick(["", "0", "1", "2", "-1", "500", "1.5", "abc", "1e309", "9007199254740993"]);
    case "continue":
      return rng.pick([
        "",
        "abc",
        "e30",
        btoa(JSON.stringify({ v: 1, rv: rng.int(50), ns: "default", n: "a" })),
        btoa(JSON.stringify({ v: 1, rv: -5, ns: 1, n: null })),
        btoa(JSON.stringify({ v: 1, rv: 1e300, ns: "", n: "" })),
        "%%%",
      ]);
    case "resourceVersion":
      return rng.pick(RV_GARBAGE);
    case "resourceVersionMatch":
      return rng.pick(["", "Exact", "NotOlderThan", "exact", "Any"]);
    case "timeoutSeconds":
      return rng.pick(["1", "0", "-1", "abc", "1.5", "99999999999999999999"]);
    case "watch":
    case "allowWatchBookmarks":
    case "sendInitialEvents":
    case "force":
    case "orphanDependents":
      return rng.pick(["true", "false", "1", "0", "", "yes", "TRUE"]);
    case "fieldValidation":
      return rng.pick(["Strict", "Warn", "Ignore", "", "strict", "All"]);
    case "dryRun":
      return rng.pick(["All", "all", "", "None"]);
    case "fieldManager":
      return rng.pick(["kubectl", "", "m".repeat(129), rng.unicode(5)]);
    case "gracePeriodSeconds":
      return rng.pick(["0", "1", "-1", "30", "abc", "1e400", "9223372036854775808"]);
    case "propagationPolicy":
      return rng.pick(["Orphan", "Background", "Foreground", "", "Everything"]);
    case "includeObject":
      return rng.pick(["None", "Metadata", "Object", "", "All"]);
    default:
      return randomString(rng);
  }
}

const QUERY_NAMES = [
  "labelSelector",
  "fieldSelector",
  "limit",
  "continue",
  "resourceVersion",
  "resourceVersionMatch",
  "timeoutSeconds",
  "watch",
  "allowWatchBookmarks",
  "sendInitialEvents",
  "fieldValidation",
  "dryRun",
  "fieldManager",
  "force",
  "gracePeriodSeconds",
  "propagationPolicy",
  "orphanDependents",
  "includeObject",
  "pretty",
  "bogus",
] as const;

/** A query string of random parameters; a watch is always bounded so the run cannot hang. */
export function randomQuery(rng: Rng, count = rng.int(4)): string {
  const params: string[] = [];
  let watch = false;
  for (let i = 0; i < count; i++) {
    const name = rng.pick(QUERY_NAMES);
    const value = queryValue(rng, name);
    if (name === "watch") watch = true;
    // Mostly encoded; sometimes raw, so the server's query parsing sees malformed escapes too.
    params.push(`${name}=${rng.chance(0.9) ? enc(value) : value.replace(/[#&]/g, "")}`);
  }
  if (watch) params.push("timeoutSeconds=1");
  return params.length > 0 ? `?${params.join("&")}` : "";
}
