// The EndpointSlice and Endpoints controllers in the host. Both are keyed by Service; a pod change
// wakes the Services of its namespace whose selector matches it before or after, and only when it
// moved something an endpoint shows (address, readiness, deletion, labels, ports).

import type { KubeObject } from "../../../../schemas/object.ts";
import {
  planEndpointSlices,
  planEndpoints,
  podChangeMatters,
  servicesForPod,
} from "../../../controllers/endpoints/index.ts";
import type { ServiceObject } from "../../../controllers/endpoints/service-pods.ts";
import { ENDPOINTS, PODS, SERVICES } from "../../../controllers/types.ts";
import type { Change } from "../../store/revision-log.ts";
import type { StoreCore } from "../../store/store-core.ts";
import { type Controller, objectKey, splitKey } from "../controller.ts";
import { getObject, listForKeys, listObjects, rt } from "../reads.ts";

/** Endpoint updates are batched per Service at most this often (upstream's EndpointUpdatesBatchPeriod idea). */
const MIN_SYNC_MS = 100;

function serviceKeys(core: StoreCore, c: Change, reactTo: string): string[] {
  if (c.resource === "services") return [objectKey(c.namespace, c.name)];
  // Someone removed an object this controller keeps: put it back.
  if (c.resource === reactTo && c.type === "DELETED") {
    const svcName = reactTo === "endpoints" ? c.name : c.prev?.metadata.labels?.["kubernetes.io/service-name"];
    return svcName ? [objectKey(c.namespace, svcName)] : [];
  }
  if (c.resource !== "pods") return [];
  const after = c.type === "DELETED" ? undefined : c.value;
  const before = c.type === "ADDED" ? undefined : (c.prev ?? undefined);
  if (!podChangeMatters(before, after)) return [];
  return servicesForPod(before, after, listForKeys(core, SERVICES, c.namespace)).map((n) => objectKey(c.namespace, n));
}

/** The pods a Service selects, read with its selector so the scan returns only those. */
function podsOf(core: StoreCore, svc: ServiceObject | undefined, namespace: string): KubeObject[] {
  const selector = svc?.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return core.list(rt(PODS), { namespace, labelSelector }).items;
}

function allServiceKeys(core: StoreCore): string[] {
  return listObjects(core, SERVICES).map((s) => objectKey(s.metadata.namespace ?? "", s.metadata.name ?? ""));
}

export function endpointSliceController(core: StoreCore): Controller {
  return {
    name: "endpointslice",
    manager: "endpointslice-controller",
    minSyncIntervalMs: MIN_SYNC_MS,
    keysFor: (c) => serviceKeys(core, c, "endpointslices.discovery.k8s.io"),
    allKeys: () => allServiceKeys(core),
    sync(key) {
      const { namespace, name } = splitKey(key);
      const service = getObject(core, SERVICES, namespace, name) as ServiceObject | undefined;
      if (!service) return []; // its slices name it as owner: the garbage collector takes them
      const slices = core.log.ownedBy(service.metadata.uid ?? "", "endpointslices.discovery.k8s.io");
      return planEndpointSlices({ service, pods: podsOf(core, service, namespace), slices });
    },
  };
}

export function endpointsController(core: StoreCore): Controller {
  return {
    name: "endpoints",
    manager: "endpoint-controller",
    minSyncIntervalMs: MIN_SYNC_MS,
    keysFor: (c) => serviceKeys(core, c, "endpoints"),
    allKeys: () => allServiceKeys(core),
    sync(key) {
      const { namespace, name } = splitKey(key);
      const service = getObject(core, SERVICES, namespace, name) as ServiceObject | undefined;
      const current = getObject(core, ENDPOINTS, namespace, name);
      return planEndpoints({ service, pods: podsOf(core, service, namespace), current });
    },
  };
}
