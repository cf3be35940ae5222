// Endpoints and EndpointSlices as `kubectl get` shows them: the first three addresses (ip:port for
// Endpoints), then "+ N more...", as upstream's printers do.

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./format.ts";
import { int, recs, str, strs } from "./read.ts";
import type { Printer } from "./types.ts";

const SHOWN = 3;

function firstFew(items: string[], total: number): string {
  if (items.length === 0) return "<none>";
  const shown = items.slice(0, SHOWN).join(",");
  return total > SHOWN ? `${shown} + ${total - SHOWN} more...` : shown;
}

function hostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Ready addresses only, each with each port of its subset (the bare IP when it has none). */
export function endpointsCell(ep: KubeObject): string {
  const items: string[] = [];
  for (const subset of recs(ep.subsets)) {
    const ips = recs(subset.addresses).map((a) => str(a.ip));
    const ports = recs(subset.ports);
    if (ports.length === 0) items.push(...ips);
    else for (const port of ports) for (const ip of ips) items.push(hostPort(ip, int(port.port)));
  }
  return firstFew(items, items.length);
}

export const endpointsPrinter: Printer = {
  columns: [NAME_COLUMN, column("Endpoints", "string", "The ready endpoints of the service."), AGE_COLUMN],
  print: (ep, now) => ({ cells: [str(ep.metadata.name), endpointsCell(ep), age(ep.metadata.creationTimestamp, now)] }),
};

export function slicePortsCell(slice: KubeObject): string {
  const ports = recs(slice.ports).map((p) => (p.port === undefined ? "<unset>" : String(int(p.port))));
  if (ports.length === 0) return "<unset>";
  return firstFew(ports, ports.length);
}

export function sliceEndpointsCell(slice: KubeObject): string {
  const addresses = recs(slice.endpoints).flatMap((e) => strs(e.addresses));
  return firstFew(addresses, addresses.length);
}

export const endpointSlicePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("AddressType", "string", "The type of address carried by this EndpointSlice."),
    column("Ports", "string", "The ports of this EndpointSlice."),
    column("Endpoints", "string", "The addresses of the endpoints in this EndpointSlice."),
    AGE_COLUMN,
  ],
  print: (slice, now) => ({
    cells: [
      str(slice.metadata.name),
      str(slice.addressType),
      slicePortsCell(slice),
      sliceEndpointsCell(slice),
      age(slice.metadata.creationTimestamp, now),
    ],
  }),
};
