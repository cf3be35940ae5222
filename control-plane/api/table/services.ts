// Services: type, cluster IP, external address and ports, formatted per service type as upstream
// does. The server always renders the wide form, so load-balancer addresses are never clipped.

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, formatLabels, NAME_COLUMN } from "./format.ts";
import { int, rec, recs, str, strs } from "./read.ts";
import type { PrintedRow, Printer } from "./types.ts";

type Rec = Readonly<Record<string, unknown>>;

/** Load-balancer ingress points (IP, else hostname), de-duplicated and sorted. */
function loadBalancerAddresses(status: Rec): string[] {
  const found = new Set<string>();
  for (const ingress of recs(rec(status.loadBalancer).ingress)) {
    const address = str(ingress.ip) || str(ingress.hostname);
    if (address) found.add(address);
  }
  return [...found].sort();
}

export function externalIP(spec: Rec, status: Rec): string {
  const externalIPs = strs(spec.externalIPs);
  switch (str(spec.type)) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerAddresses(status);
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(",");
      return lb.length > 0 ? lb.join(",") : "<pending>";
    }
    case "ExternalName":
      return str(spec.externalName);
    default:
      return "<unknown>";
  }
}

/** `80/TCP`, `80:30080/TCP` when a node port is allocated; `<none>` without ports. */
export function portsCell(spec: Rec): string {
  const ports = recs(spec.ports).map((p) => {
    // Defaulting sets the protocol on write; TCP covers an object stored before defaulting.
    const protocol = str(p.protocol) || "TCP";
    const nodePort = int(p.nodePort);
    return nodePort > 0 ? `${int(p.port)}:${nodePort}/${protocol}` : `${int(p.port)}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(",") : "<none>";
}

function printService(svc: KubeObject, now: number): PrintedRow {
  const spec = rec(svc.spec);
  const status = rec(svc.status);
  // clusterIPs is authoritative; clusterIP covers objects written without the list. Headless prints "None".
  const clusterIP = strs(spec.clusterIPs)[0] || str(spec.clusterIP) || "<none>";
  return {
    cells: [
      str(svc.metadata.name),
      str(spec.type),
      clusterIP,
      externalIP(spec, status),
      portsCell(spec),
      age(svc.metadata.creationTimestamp, now),
      formatLabels(spec.selector),
    ],
  };
}

export const servicePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Type", "string", "How the Service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName."),
    column("Cluster-IP", "string", "The IP address of the service inside the cluster (spec.clusterIPs[0])."),
    column("External-IP", "string", "External addresses: spec.externalIPs and load-balancer ingress points."),
    column("Port(s)", "string", "The ports the service exposes, with node ports where allocated."),
    AGE_COLUMN,
    column("Selector", "string", "Pods with labels matching this selector receive the service's traffic.", true),
  ],
  print: printService,
};
