// Which Services a pod change concerns (upstream's getPodServiceMemberships on the old and new
// pod), and whether the change can alter any endpoint at all: most pod writes are status updates
// that move nothing an endpoint shows.

import type { KubeObject } from "../../../schemas/object.ts";
import { fromStructured, matchesLabels } from "../../api/selectors/labels.ts";
import { jsonEqual, type PodObject } from "../pod-utils.ts";
import { managedSelector, podIP, podReady, type ServiceObject } from "./service-pods.ts";

/** What of a pod its endpoints show; a change elsewhere needs no sync. */
function endpointView(pod: PodObject): unknown {
  return [
    podIP(pod),
    podReady(pod),
    pod.status?.phase,
    pod.metadata.deletionTimestamp,
    pod.spec?.nodeName,
    pod.spec?.hostname,
    pod.spec?.subdomain,
    pod.metadata.labels,
    pod.spec?.containers?.map((c) => c.ports),
  ];
}

export function podChangeMatters(before: KubeObject | undefined, after: KubeObject | undefined): boolean {
  if (!before || !after) return true;
  return !jsonEqual(endpointView(before as PodObject), endpointView(after as PodObject));
}

/** Names of the Services (of the pod's namespace) whose selector matches the pod before or after. */
export function servicesForPod(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
  services: readonly KubeObject[],
): string[] {
  const names = new Set<string>();
  for (const svc of services as ServiceObject[]) {
    const selector = managedSelector(svc);
    if (!selector) continue;
    const requirements = fromStructured({ matchLabels: selector });
    for (const pod of [before, after]) {
      if (
        pod &&
        pod.metadata.namespace === svc.metadata.namespace &&
        matchesLabels(requirements, pod.metadata.labels)
      ) {
        names.add(svc.metadata.name ?? "");
      }
    }
  }
  return [...names].sort();
}
