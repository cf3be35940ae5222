// Ingresses and IngressClasses as `kubectl get` shows them (upstream's printIngress and
// printIngressClass): class, hosts ("*" for a rule without one), load-balancer addresses, and
// 80 (plus 443 with TLS); a class's controller and parameters.

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./format.ts";
import { rec, recs, str } from "./read.ts";
import type { Printer } from "./types.ts";

const SHOWN = 3;

export function ingressHosts(spec: Readonly<Record<string, unknown>>): string {
  const rules = recs(spec.rules);
  if (rules.length === 0) return "*";
  const hosts = rules.map((r) => str(r.host) || "*");
  const shown = hosts.slice(0, SHOWN).join(",");
  return hosts.length > SHOWN ? `${shown} + ${hosts.length - SHOWN} more...` : shown;
}

function addresses(status: Readonly<Record<string, unknown>>): string {
  return recs(rec(status.loadBalancer).ingress)
    .map((i) => str(i.ip) || str(i.hostname))
    .filter(Boolean)
    .join(",");
}

export const ingressPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Class", "string", "The IngressClass that serves this Ingress."),
    column("Hosts", "string", "Hosts that incoming requests are matched against."),
    column("Address", "string", "Address is a list of IP addresses or host names the load balancer serves it on."),
    column("Ports", "string", "Ports of the load balancer."),
    AGE_COLUMN,
  ],
  print: (ing: KubeObject, now: number) => {
    const spec = rec(ing.spec);
    return {
      cells: [
        str(ing.metadata.name),
        str(spec.ingressClassName) || "<none>",
        ingressHosts(spec),
        addresses(rec(ing.status)),
        recs(spec.tls).length > 0 ? "80, 443" : "80",
        age(ing.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const ingressClassPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Controller", "string", "The controller that implements this class."),
    column("Parameters", "string", "The resource holding the class's configuration."),
    AGE_COLUMN,
  ],
  print: (ic: KubeObject, now: number) => {
    const spec = rec(ic.spec);
    const params = rec(spec.parameters);
    let parameters = "<none>";
    if (spec.parameters !== undefined) {
      parameters = str(params.kind);
      if (str(params.apiGroup)) parameters += `.${str(params.apiGroup)}`;
      parameters += `/${str(params.name)}`;
    }
    return {
      cells: [str(ic.metadata.name), str(spec.controller), parameters, age(ic.metadata.creationTimestamp, now)],
    };
  },
};
