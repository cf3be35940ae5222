// RuntimeClass (a kflare filter; upstream has no scheduler plugin for it): a pod that names a
// RuntimeClass fits only nodes whose runtime offers that class's handler, as listed in
// status.runtimeHandlers (Kubernetes 1.30+; kubelet lists the default handler as ""). A class that
// does not exist leaves the pod nowhere to go: upstream's admission would have refused the pod.
// The class's nodeSelector and tolerations are honoured by NodeAffinity and TaintToleration.

import type { FilterPlugin, Status } from "../types.ts";

export const RUNTIME_CLASS = "RuntimeClass";
export const REASON_RUNTIME_HANDLER = "node(s) didn't have the pod's runtime handler";

const STATUS: Status = {
  code: "UnschedulableAndUnresolvable",
  reasons: [REASON_RUNTIME_HANDLER],
  plugin: RUNTIME_CLASS,
};

export function runtimeClassNotFound(name: string): string {
  return `RuntimeClass "${name}" not found`;
}

export const runtimeClass: FilterPlugin = {
  name: RUNTIME_CLASS,
  prepare(pod) {
    if (pod.runtimeClassName === undefined) return {};
    const rc = pod.runtimeClass;
    if (!rc) {
      const reasons = [runtimeClassNotFound(pod.runtimeClassName)];
      return { reject: { code: "UnschedulableAndUnresolvable", reasons, plugin: RUNTIME_CLASS } };
    }
    const handler = rc.handler;
    return { filter: (node) => (node.runtimeHandlers.has(handler) ? undefined : STATUS) };
  },
};
