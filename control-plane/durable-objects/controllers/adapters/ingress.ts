// The Ingress checker in the host. Hosts are cluster-wide, so any Ingress change re-checks every
// Ingress of kflare's class (a home cluster has a handful); a Service change re-checks the
// Ingresses of its namespace. The LoadBalancer controller keeps each Service's edge hostname.

import { planLoadBalancerStatus } from "../../../controllers/ingress/load-balancer.ts";
import { planIngressCheck } from "../../../controllers/ingress/plan.ts";
import { INGRESSES, SERVICES } from "../../../controllers/types.ts";
import { KFLARE_INGRESS_CLASS } from "../../store/bootstrap.ts";
import type { StoreCore } from "../../store/store-core.ts";
import { type Controller, objectKey, splitKey } from "../controller.ts";
import { getObject, listObjects } from "../reads.ts";

export function ingressController(core: StoreCore): Controller {
  const keysOf = (namespace?: string) =>
    listObjects(core, INGRESSES, namespace).map((i) => objectKey(i.metadata.namespace ?? "", i.metadata.name ?? ""));
  return {
    name: "ingress",
    manager: "kflare-ingress",
    minSyncIntervalMs: 250,
    keysFor(c) {
      if (c.resource === "ingresses.networking.k8s.io") return keysOf();
      if (c.resource === "services" && c.type !== "MODIFIED") return keysOf(c.namespace);
      return [];
    },
    allKeys: () => keysOf(),
    sync(key, ctx) {
      const { namespace, name } = splitKey(key);
      const ingress = getObject(core, INGRESSES, namespace, name);
      if (!ingress) return [];
      const services = new Set(listObjects(core, SERVICES, namespace).map((s) => s.metadata.name ?? ""));
      return planIngressCheck({
        ingress,
        ingresses: listObjects(core, INGRESSES),
        services,
        className: KFLARE_INGRESS_CLASS,
        domain: ctx.config.ingressDomain,
      });
    },
  };
}

export function loadBalancerController(core: StoreCore): Controller {
  const keysOf = () =>
    listObjects(core, SERVICES).map((s) => objectKey(s.metadata.namespace ?? "", s.metadata.name ?? ""));
  return {
    name: "service-lb",
    manager: "kflare-service-lb",
    keysFor: (c) => (c.resource === "services" && c.type !== "DELETED" ? [objectKey(c.namespace, c.name)] : []),
    allKeys: keysOf,
    sync(key, ctx) {
      const { namespace, name } = splitKey(key);
      const service = getObject(core, SERVICES, namespace, name);
      return service ? planLoadBalancerStatus(service, ctx.config.ingressDomain) : [];
    },
  };
}
