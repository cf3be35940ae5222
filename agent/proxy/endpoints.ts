// Which endpoints a service port sends traffic to, from the EndpointSlices labelled with the
// service's name. A slice port matches a service port by name and protocol (that is how named
// target ports reach the proxy: the slice carries the resolved number). Traffic goes to ready
// endpoints; when there are none, to those still serving while terminating (kube-proxy's fallback,
// so a rolling update does not drop connections). IPv4 only: the proxy programs iptables, not
// ip6tables.
import { isIPv4 } from "node:net";
import type { EndpointSlice, Service, ServicePort } from "./types.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

export interface ResolvedEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** On this node (nodeName equals the proxy's node). */
  local: boolean;
}

/** Slices by "namespace/service", from their kubernetes.io/service-name label. */
export function slicesByService(slices: EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!service) continue;
    const key = `${slice.metadata.namespace ?? "default"}/${service}`;
    out.set(key, [...(out.get(key) ?? []), slice]);
  }
  return out;
}

export function serviceKey(service: Service): string {
  return `${service.metadata.namespace ?? "default"}/${service.metadata.name}`;
}

/**
 * Every IPv4 endpoint of one service port, deduplicated by ip:port (an endpoint can sit in two
 * slices while they are rewritten; a condition true in either copy counts) and sorted.
 */
export function endpointsForPort(port: ServicePort, slices: EndpointSlice[], nodeName: string): ResolvedEndpoint[] {
  const protocol = port.protocol ?? "TCP";
  const byKey = new Map<string, ResolvedEndpoint>();
  for (const slice of slices) {
    if (slice.addressType !== undefined && slice.addressType !== "IPv4") continue;
    const match = (slice.ports ?? []).find(
      (p) => (p.name ?? "") === (port.name ?? "") && (p.protocol ?? "TCP") === protocol,
    );
    if (match?.port === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const ready = endpoint.conditions?.ready ?? true;
      const serving = endpoint.conditions?.serving ?? ready;
      const terminating = endpoint.conditions?.terminating ?? false;
      const local = endpoint.nodeName === nodeName;
      for (const ip of endpoint.addresses) {
        if (!isIPv4(ip)) continue;
        const key = `${ip}:${match.port}`;
        const seen = byKey.get(key);
        byKey.set(
          key,
          seen
            ? {
                ...seen,
                ready: seen.ready || ready,
                serving: seen.serving || serving,
                terminating: seen.terminating && terminating,
                local: seen.local || local,
              }
            : { ip, port: match.port, ready, serving, terminating, local },
        );
      }
    }
  }
  return [...byKey.values()].sort((a, b) => compareEndpoints(a, b));
}

function compareEndpoints(a: ResolvedEndpoint, b: ResolvedEndpoint): number {
  const octets = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  return octets(a.ip) - octets(b.ip) || a.port - b.port;
}

/** The endpoints traffic may use: the ready ones, else the serving-and-terminating ones. */
export function usableEndpoints(endpoints: ResolvedEndpoint[]): ResolvedEndpoint[] {
  const ready = endpoints.filter((e) => e.ready);
  return ready.length > 0 ? ready : endpoints.filter((e) => e.serving && e.terminating);
}
