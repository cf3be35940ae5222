// The Ingress checker as a pure plan: what a user must hear about an Ingress of kflare's class,
// as Warning events on it (kubectl describe ingress shows them): a route another, older Ingress
// already serves (the newcomer's route is not used), and a backend Service that does not exist
// (its requests get 503 until it does), a host outside the installation's ingress domain (the
// internet cannot reach it through the edge; the local Ingress port still serves it), and a tls
// section naming a Secret (TLS is the edge's, with its own certificate: the Secret is never read,
// as users of cert-manager or of their own certificates must be told). It also
// keeps the Ingress's address, status.loadBalancer.ingress: the ingress domain, where the edge
// serves it (kubectl's ADDRESS column; Argo CD and `kubectl wait` read it to call an Ingress ready),
// and none when no route of it is under the domain.

import type { KubeObject } from "../../../schemas/object.ts";
import { underDomain } from "../../ingress/edge-table.ts";
import { buildRoutingTable, type IngressView } from "../../ingress/routing-table.ts";
import { type Action, INGRESSES } from "../types.ts";

const SOURCE = "kflare-ingress";

export interface IngressCheckInput {
  ingress: KubeObject;
  /** Every Ingress of the cluster (conflicts cross namespaces: hosts are cluster-wide). */
  ingresses: readonly KubeObject[];
  /** Names of the Services in the Ingress's namespace. */
  services: ReadonlySet<string>;
  className: string;
  /** The ingress domain ("" when none is configured: nothing to report). */
  domain?: string;
}

function warning(ingress: KubeObject, reason: string, message: string): Action {
  return { type: "event", event: { regarding: ingress, type: "Warning", reason, message, source: SOURCE } };
}

export function planIngressCheck(input: IngressCheckInput): Action[] {
  const ing = input.ingress as IngressView & KubeObject;
  if (ing.spec?.ingressClassName !== input.className || ing.metadata.deletionTimestamp) return [];
  const id = `${ing.metadata.namespace}/${ing.metadata.name}`;
  const actions: Action[] = [];
  const table = buildRoutingTable(input.ingresses as readonly IngressView[], input.className);
  for (const c of table.conflicts) {
    if (c.ingress !== id) continue;
    actions.push(
      warning(
        input.ingress,
        "RouteConflict",
        `host ${c.host || "*"} path ${c.path} is already served by Ingress ${c.winner} (older); this Ingress's route is not used`,
      ),
    );
  }
  const missing = new Set<string>();
  const spec = ing.spec ?? {};
  const backends = [
    spec.defaultBackend?.service?.name,
    ...(spec.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend?.service?.name)),
  ];
  for (const name of backends) if (name && !input.services.has(name)) missing.add(name);
  const domain = input.domain ?? "";
  const outside = new Set<string>();
  for (const rule of spec.rules ?? []) {
    const host = rule.host?.toLowerCase();
    if (domain && host && !underDomain(host.replace(/^\*\./, "x."), domain)) outside.add(host);
  }
  for (const host of [...outside].sort()) {
    actions.push(
      warning(
        input.ingress,
        "HostOutsideDomain",
        `host ${host} is not under this installation's ingress domain ${domain}: the edge does not serve it from the internet (the local Ingress port still does); use a host like app.${domain}`,
      ),
    );
  }
  for (const tls of spec.tls ?? []) {
    if (!tls.secretName) continue;
    const hosts = tls.hosts?.length ? tls.hosts.join(", ") : "its hosts";
    const edge = domain ? `the edge, with its certificate for ${domain} and its subdomains` : "the edge";
    actions.push(
      warning(
        input.ingress,
        "TLSSecretNotUsed",
        `TLS for ${hosts} is terminated by ${edge}; Secret "${tls.secretName}" is not used (the local Ingress port serves plain HTTP)`,
      ),
    );
  }
  for (const name of [...missing].sort()) {
    actions.push(
      warning(input.ingress, "BackendNotFound", `Service "${name}" not found: its routes answer 503 until it exists`),
    );
  }
  // Served from the internet when a route of it is: a catch-all (no host, or the default backend)
  // or a host under the domain.
  const served =
    domain !== "" &&
    (spec.defaultBackend !== undefined ||
      (spec.rules ?? []).some((r) => !r.host || !outside.has(r.host.toLowerCase())));
  const status = (input.ingress.status ?? {}) as { loadBalancer?: { ingress?: { hostname?: string; ip?: string }[] } };
  const want = served ? [{ hostname: domain }] : [];
  if (JSON.stringify(status.loadBalancer?.ingress ?? []) !== JSON.stringify(want))
    actions.push({
      type: "updateStatus",
      resource: INGRESSES,
      object: { ...input.ingress, status: { ...status, loadBalancer: want.length > 0 ? { ingress: want } : {} } },
    });
  return actions;
}
