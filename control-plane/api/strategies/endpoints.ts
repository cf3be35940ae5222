// Strategies of the two kinds listing a Service's backends: core/v1 Endpoints and
// discovery.k8s.io/v1 EndpointSlice. Their validation follows upstream's (ValidateEndpoints,
// ValidateEndpointSlice): addresses of the declared type, DNS-label hostnames and port names,
// known protocols, the per-object bounds; an EndpointSlice's addressType never changes.

import type { Endpoints } from "../../../schemas/core/endpoints.ts";
import { endpointsSchema } from "../../../schemas/core/endpoints.ts";
import { type EndpointSlice, endpointSliceSchema } from "../../../schemas/discovery/endpointslice.ts";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isIPv4,
  isIPv6,
  isQualifiedName,
  isValidPortNum,
} from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { child, duplicate, immutable, index, invalid, invalidEach, notSupported, required, tooMany } from "./field.ts";

const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"];
/** Upstream's bounds on one EndpointSlice. */
const MAX_SLICE_ENDPOINTS = 1000;
const MAX_SLICE_ADDRESSES = 100;
const MAX_SLICE_PORTS = 20_000;

interface PortLike {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
}

/** A port of either kind; `nameRequired` when the list has several ports (Endpoints only). */
function validatePort(port: PortLike, path: string, nameRequired: boolean, portRequired: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  if (port.name) causes.push(...invalidEach(child(path, "name"), port.name, isDNS1123Label(port.name)));
  else if (nameRequired) causes.push(required(child(path, "name")));
  if (port.port !== undefined || portRequired)
    causes.push(...invalidEach(child(path, "port"), port.port ?? 0, isValidPortNum(port.port ?? 0)));
  if (!port.protocol) causes.push(required(child(path, "protocol")));
  else if (!PROTOCOLS.includes(port.protocol))
    causes.push(notSupported(child(path, "protocol"), port.protocol, PROTOCOLS));
  if (port.appProtocol)
    causes.push(...invalidEach(child(path, "appProtocol"), port.appProtocol, isQualifiedName(port.appProtocol)));
  return causes;
}

function validateIp(ip: string, path: string): StatusCause[] {
  if (!isIPv4(ip) && !isIPv6(ip)) return [invalid(path, ip, "must be a valid IP address")];
  if (ip === "0.0.0.0" || ip === "::") return [invalid(path, ip, "may not be unspecified (0.0.0.0)")];
  if (ip.startsWith("127.") || ip === "::1")
    return [invalid(path, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)")];
  if (ip.startsWith("169.254."))
    return [invalid(path, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)")];
  if (ip.startsWith("224."))
    return [invalid(path, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")];
  return [];
}

export function applyEndpointsDefaults(ep: Endpoints): void {
  for (const subset of ep.subsets ?? []) for (const port of subset.ports ?? []) port.protocol ||= "TCP";
}

export function validateEndpoints(ep: Endpoints): StatusCause[] {
  const causes: StatusCause[] = [];
  (ep.subsets ?? []).forEach((subset, i) => {
    const path = index("subsets", i);
    const addresses = [
      ...(subset.addresses ?? []).map((a, j) => ({ a, path: index(child(path, "addresses"), j) })),
      ...(subset.notReadyAddresses ?? []).map((a, j) => ({ a, path: index(child(path, "notReadyAddresses"), j) })),
    ];
    if (addresses.length === 0) causes.push(required(path, "must specify `addresses` or `notReadyAddresses`"));
    for (const { a, path: p } of addresses) {
      causes.push(...validateIp(a.ip ?? "", child(p, "ip")));
      if (a.hostname) causes.push(...invalidEach(child(p, "hostname"), a.hostname, isDNS1123Label(a.hostname)));
      if (a.nodeName) causes.push(...invalidEach(child(p, "nodeName"), a.nodeName, isDNS1123Subdomain(a.nodeName)));
    }
    const ports = subset.ports ?? [];
    ports.forEach((port, j) => {
      causes.push(...validatePort(port, index(child(path, "ports"), j), ports.length > 1, true));
    });
  });
  return causes;
}

export const endpointsStrategy = defineStrategy<Endpoints>({
  resource: resourceOf("v1", "Endpoints"),
  schema: endpointsSchema,
  hasStatus: false,
  tracksGeneration: false,
  applyDefaults: applyEndpointsDefaults,
  validate: validateEndpoints,
});

export function applyEndpointSliceDefaults(slice: EndpointSlice): void {
  for (const port of slice.ports ?? []) port.protocol ??= "TCP";
}

function validateSliceAddress(address: string, addressType: string, path: string): StatusCause[] {
  switch (addressType) {
    case "IPv4":
      return isIPv4(address) ? [] : [invalid(path, address, "must be a valid IPv4 address")];
    case "IPv6":
      return isIPv6(address) ? [] : [invalid(path, address, "must be a valid IPv6 address")];
    case "FQDN":
      return invalidEach(path, address, isDNS1123Subdomain(address));
    default:
      return [];
  }
}

export function validateEndpointSlice(slice: EndpointSlice): StatusCause[] {
  const causes: StatusCause[] = [];
  const addressType = slice.addressType ?? "";
  if (!addressType) causes.push(required("addressType"));
  else if (!ADDRESS_TYPES.includes(addressType)) causes.push(notSupported("addressType", addressType, ADDRESS_TYPES));
  const endpoints = slice.endpoints ?? [];
  if (endpoints.length > MAX_SLICE_ENDPOINTS) causes.push(tooMany("endpoints", endpoints.length, MAX_SLICE_ENDPOINTS));
  endpoints.forEach((ep, i) => {
    const path = index("endpoints", i);
    const addresses = ep.addresses ?? [];
    if (addresses.length === 0) causes.push(required(child(path, "addresses"), "must contain at least 1 address"));
    else if (addresses.length > MAX_SLICE_ADDRESSES)
      causes.push(tooMany(child(path, "addresses"), addresses.length, MAX_SLICE_ADDRESSES));
    addresses.forEach((a, j) => {
      causes.push(...validateSliceAddress(a, addressType, index(child(path, "addresses"), j)));
    });
    if (ep.hostname) causes.push(...invalidEach(child(path, "hostname"), ep.hostname, isDNS1123Label(ep.hostname)));
    if (ep.nodeName) causes.push(...invalidEach(child(path, "nodeName"), ep.nodeName, isDNS1123Subdomain(ep.nodeName)));
  });
  const ports = slice.ports ?? [];
  if (ports.length > MAX_SLICE_PORTS) causes.push(tooMany("ports", ports.length, MAX_SLICE_PORTS));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const path = index("ports", i);
    causes.push(...validatePort(port, path, false, false));
    const name = port.name ?? "";
    if (names.has(name)) causes.push(duplicate(child(path, "name"), name));
    else names.add(name);
  });
  return causes;
}

export const endpointSliceStrategy = defineStrategy<EndpointSlice>({
  resource: resourceOf("discovery.k8s.io/v1", "EndpointSlice"),
  schema: endpointSliceSchema,
  hasStatus: false,
  tracksGeneration: true,
  applyDefaults: applyEndpointSliceDefaults,
  validate: validateEndpointSlice,
  validateUpdate: (slice, old) => immutable("addressType", slice.addressType, old.addressType),
});
