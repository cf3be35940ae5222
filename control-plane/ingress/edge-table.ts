// What the edge needs to route a request without reading the store: the routing table's routes
// (from Ingresses of kflare's class, plus one catch-all route per LoadBalancer Service's hostname)
// and, per backend, the ready endpoints that serve it: the pod's address, the port its Service
// port resolves to on that pod, and the node whose link reaches it. The store builds it after a
// change to an Ingress, Service or EndpointSlice and pushes it to the edge router.
// Pure: no I/O, no clock.

import type { KubeObject } from "../../schemas/object.ts";
import {
  type Backend,
  buildRoutingTable,
  type IngressView,
  mostSpecificFirst,
  type Route,
  type RoutingTable,
} from "./routing-table.ts";

export interface EdgeEndpoint {
  ip: string;
  port: number;
  node: string;
}

/** A backend's endpoints, or why it has none (the edge answers 503 with it). */
export interface EdgeBackend {
  endpoints: EdgeEndpoint[];
  /** Set when no endpoint is ready. */
  unavailable?: string;
}

export interface EdgeTable {
  cluster: string;
  /** The store's revision it was built at: the router keeps the newest. */
  revision: number;
  routes: Route[];
  defaults: Route[];
  backends: Record<string, EdgeBackend>;
}

interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
}

interface ServiceView {
  metadata: { namespace?: string; name?: string };
  spec?: { type?: string; ports?: ServicePort[] };
}

interface SliceView {
  metadata: { namespace?: string; labels?: Record<string, string> };
  ports?: { name?: string; port?: number }[];
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean }; nodeName?: string }[];
}

export function backendKey(b: Backend): string {
  return `${b.namespace}/${b.service}:${b.port.name ?? b.port.number ?? ""}`;
}

/** The hostname a LoadBalancer Service gets under the ingress domain: `<name>-<namespace>.<domain>`. */
export function loadBalancerHostname(namespace: string, name: string, domain: string): string {
  return `${name}-${namespace}.${domain}`;
}

/** Whether `host` is served under the ingress domain (one or more labels in front of it). */
export function underDomain(host: string, domain: string): boolean {
  const h = host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  return domain !== "" && h.endsWith(`.${domain.toLowerCase()}`) && h.length > domain.length + 1;
}

function resolveBackend(b: Backend, services: Map<string, ServiceView>, slices: Map<string, SliceView[]>): EdgeBackend {
  const svc = services.get(`${b.namespace}/${b.service}`);
  if (!svc) return { endpoints: [], unavailable: `Service ${b.namespace}/${b.service} does not exist` };
  const sp = (svc.spec?.ports ?? []).find((p) =>
    b.port.name !== undefined ? p.name === b.port.name : p.port === b.port.number,
  );
  const portText = b.port.name ?? String(b.port.number ?? "");
  if (!sp) return { endpoints: [], unavailable: `Service ${b.namespace}/${b.service} has no port ${portText}` };
  const endpoints: EdgeEndpoint[] = [];
  const seen = new Set<string>();
  for (const slice of slices.get(`${b.namespace}/${b.service}`) ?? []) {
    const port = (slice.ports ?? []).find((p) => (p.name ?? "") === (sp.name ?? ""))?.port;
    if (port === undefined) continue;
    for (const e of slice.endpoints ?? []) {
      const ip = e.addresses?.[0];
      if (!ip || e.conditions?.ready === false || !e.nodeName) continue;
      const id = `${ip}:${port}`;
      if (seen.has(id)) continue;
      seen.add(id);
      endpoints.push({ ip, port, node: e.nodeName });
    }
  }
  endpoints.sort((x, y) => (x.ip < y.ip ? -1 : x.ip > y.ip ? 1 : x.port - y.port));
  return endpoints.length > 0
    ? { endpoints }
    : { endpoints, unavailable: `Service ${b.namespace}/${b.service} has no ready endpoints` };
}

export interface EdgeInputs {
  cluster: string;
  revision: number;
  ingresses: readonly KubeObject[];
  services: readonly KubeObject[];
  endpointSlices: readonly KubeObject[];
  className: string;
  /** The ingress domain ("" when none is configured: LoadBalancer Services get no hostname). */
  domain: string;
}

export function buildEdgeTable(input: EdgeInputs): EdgeTable {
  const table = buildRoutingTable(input.ingresses as readonly IngressView[], input.className);
  const routes = [...table.routes.values()].flat();
  const claimedHosts = new Set(table.routes.keys());
  const services = new Map<string, ServiceView>();
  for (const s of input.services as readonly ServiceView[])
    services.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  if (input.domain) {
    for (const s of services.values()) {
      const first = s.spec?.ports?.[0];
      if (s.spec?.type !== "LoadBalancer" || first?.port === undefined) continue;
      const namespace = s.metadata.namespace ?? "";
      const name = s.metadata.name ?? "";
      const host = loadBalancerHostname(namespace, name, input.domain);
      // An Ingress that names the same host keeps it: it was written on purpose.
      if (claimedHosts.has(host)) continue;
      routes.push({
        host,
        path: "/",
        pathType: "Prefix",
        backend: { namespace, service: name, port: { number: first.port } },
        ingress: `Service ${namespace}/${name}`,
      });
    }
  }
  const slices = new Map<string, SliceView[]>();
  for (const sl of input.endpointSlices as readonly SliceView[]) {
    const svc = sl.metadata.labels?.["kubernetes.io/service-name"];
    if (!svc) continue;
    const k = `${sl.metadata.namespace}/${svc}`;
    slices.set(k, [...(slices.get(k) ?? []), sl]);
  }
  const defaults = [...table.defaults.values()];
  const backends: Record<string, EdgeBackend> = {};
  for (const r of [...routes, ...defaults]) {
    const k = backendKey(r.backend);
    backends[k] ??= resolveBackend(r.backend, services, slices);
  }
  return { cluster: input.cluster, revision: input.revision, routes, defaults, backends };
}

/** The lookup structure of an edge table (rebuilt once per pushed table, not per request). */
export function routingTableOf(edge: EdgeTable): RoutingTable {
  const routes = new Map<string, Route[]>();
  for (const r of edge.routes) routes.set(r.host, [...(routes.get(r.host) ?? []), r]);
  for (const list of routes.values()) list.sort(mostSpecificFirst);
  return { routes, defaults: new Map(edge.defaults.map((d) => [d.host, d])), conflicts: [] };
}
