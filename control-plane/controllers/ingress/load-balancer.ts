// LoadBalancer Services at the edge, as a pure plan: each gets a hostname under the ingress domain
// (`<name>-<namespace>.<domain>`, what k3s's ServiceLB gives a home network, here reachable from
// the internet through the edge) in status.loadBalancer.ingress; a Service that stops being a
// LoadBalancer, or an installation without a domain, has none (kubectl shows EXTERNAL-IP <pending>).

import type { KubeObject } from "../../../schemas/object.ts";
import { loadBalancerHostname } from "../../ingress/edge-table.ts";
import { type Action, SERVICES } from "../types.ts";

interface LoadBalancerIngress {
  hostname?: string;
  ip?: string;
}

export function planLoadBalancerStatus(service: KubeObject, domain: string): Action[] {
  if (service.metadata.deletionTimestamp) return [];
  const spec = service.spec as { type?: string } | undefined;
  const status = (service.status ?? {}) as { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
  const want: LoadBalancerIngress[] =
    spec?.type === "LoadBalancer" && domain
      ? [{ hostname: loadBalancerHostname(service.metadata.namespace ?? "", service.metadata.name ?? "", domain) }]
      : [];
  const have = status.loadBalancer?.ingress ?? [];
  if (JSON.stringify(have) === JSON.stringify(want)) return [];
  return [
    {
      type: "updateStatus",
      resource: SERVICES,
      object: { ...service, status: { ...status, loadBalancer: want.length > 0 ? { ingress: want } : {} } },
    },
  ];
}
