// Ingress routing as data: every Ingress of kflare's class turned into one table, looked up per
// request by host and path without reading the store (the table is rebuilt on change and pushed
// to where requests land). Semantics are the Ingress API's:
// - hosts: an exact host beats a wildcard (`*.example.org` matches exactly one more label), which
//   beats rules without a host (every host);
// - paths: the longest match wins, Exact beats Prefix on a tie; Prefix matches whole path
//   elements (`/api` matches `/api`, `/api/` and `/api/v1`, not `/apis`); ImplementationSpecific
//   is kflare's Prefix;
// - an Ingress's defaultBackend serves its own hosts' unmatched paths (every host when it has no
//   rules), below any rule;
// - two Ingresses claiming one host, path and type: the oldest (then namespace/name) serves, the
//   others are reported as conflicts, so a newcomer cannot take a route over.
// Pure: no I/O, no clock.

export interface ServicePortRef {
  name?: string;
  number?: number;
}

export interface Backend {
  namespace: string;
  service: string;
  port: ServicePortRef;
}

export interface Route {
  host: string;
  path: string;
  pathType: "Exact" | "Prefix";
  backend: Backend;
  /** `namespace/name` of the Ingress the route comes from. */
  ingress: string;
}

export interface Conflict {
  ingress: string;
  host: string;
  path: string;
  /** The Ingress that serves it instead. */
  winner: string;
}

export interface IngressView {
  metadata: { namespace?: string; name?: string; creationTimestamp?: string };
  spec?: {
    ingressClassName?: string;
    /** Read only to say that its Secrets are not used (TLS is the edge's). */
    tls?: { hosts?: string[]; secretName?: string }[];
    defaultBackend?: { service?: { name?: string; port?: ServicePortRef } };
    rules?: {
      host?: string;
      http?: {
        paths?: {
          path?: string;
          pathType?: string;
          backend?: { service?: { name?: string; port?: ServicePortRef } };
        }[];
      };
    }[];
  };
}

export interface RoutingTable {
  /** Routes by host ("" for rules without a host), most specific path first. */
  routes: Map<string, Route[]>;
  /** Default backends by host ("" for every host). */
  defaults: Map<string, Route>;
  conflicts: Conflict[];
}

function key(ing: IngressView): string {
  return `${ing.metadata.namespace ?? ""}/${ing.metadata.name ?? ""}`;
}

/** Oldest first, then by namespace/name: who wins a contested route. */
function seniority(a: IngressView, b: IngressView): number {
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

function backendOf(ing: IngressView, svc: { name?: string; port?: ServicePortRef } | undefined): Backend | undefined {
  if (!svc?.name) return undefined;
  return { namespace: ing.metadata.namespace ?? "", service: svc.name, port: { ...(svc.port ?? {}) } };
}

/** Path elements without empty ones: "/api/v1/" -> ["api", "v1"]. */
function elements(path: string): string[] {
  return path.split("/").filter((e) => e.length > 0);
}

export function buildRoutingTable(ingresses: readonly IngressView[], className: string): RoutingTable {
  const routes = new Map<string, Route[]>();
  const defaults = new Map<string, Route>();
  const conflicts: Conflict[] = [];
  const claimed = new Map<string, string>();
  for (const ing of [...ingresses].sort(seniority)) {
    if (ing.spec?.ingressClassName !== className) continue;
    const id = key(ing);
    const hosts = new Set<string>();
    for (const rule of ing.spec.rules ?? []) {
      const host = (rule.host ?? "").toLowerCase();
      hosts.add(host);
      for (const p of rule.http?.paths ?? []) {
        const backend = backendOf(ing, p.backend?.service);
        if (!backend) continue;
        const pathType = p.pathType === "Exact" ? "Exact" : "Prefix";
        const path = pathType === "Exact" ? p.path || "/" : `/${elements(p.path || "/").join("/")}`;
        const claim = `${host} ${pathType} ${path}`;
        const winner = claimed.get(claim);
        if (winner !== undefined) {
          if (winner !== id) conflicts.push({ ingress: id, host, path, winner });
          continue;
        }
        claimed.set(claim, id);
        routes.set(host, [...(routes.get(host) ?? []), { host, path, pathType, backend, ingress: id }]);
      }
    }
    const fallback = backendOf(ing, ing.spec.defaultBackend?.service);
    if (fallback) {
      for (const host of hosts.size > 0 ? hosts : new Set([""])) {
        if (defaults.has(host)) continue;
        defaults.set(host, { host, path: "/", pathType: "Prefix", backend: fallback, ingress: id });
      }
    }
  }
  for (const list of routes.values()) list.sort(mostSpecificFirst);
  return { routes, defaults, conflicts };
}

/** Route order within a host: longer paths first, then Exact before Prefix. */
export function mostSpecificFirst(a: Route, b: Route): number {
  return b.path.length - a.path.length || (a.pathType === b.pathType ? 0 : a.pathType === "Exact" ? -1 : 1);
}

function pathMatches(route: Route, path: string): boolean {
  if (route.pathType === "Exact") return route.path === path;
  const want = elements(route.path);
  const got = elements(path);
  return want.length <= got.length && want.every((e, i) => got[i] === e);
}

/** The hosts a request's Host header may be served under, most specific first. */
export function candidateHosts(host: string): string[] {
  const h = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  const dot = h.indexOf(".");
  return dot > 0 ? [h, `*${h.slice(dot)}`, ""] : [h, ""];
}

/** The route serving `path` under one candidate host (exact, wildcard or ""), if any. */
export function lookupAt(table: RoutingTable, candidate: string, path: string): Route | undefined {
  const clean = path.split("?")[0] || "/";
  return table.routes.get(candidate)?.find((r) => pathMatches(r, clean)) ?? table.defaults.get(candidate);
}

/** The route serving a request, or undefined (no Ingress wants it: 404). */
export function lookup(table: RoutingTable, host: string, path: string): Route | undefined {
  for (const h of candidateHosts(host)) {
    const found = lookupAt(table, h, path);
    if (found) return found;
  }
  return undefined;
}
