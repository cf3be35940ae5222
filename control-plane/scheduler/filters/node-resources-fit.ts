// NodeResourcesFit (filter): the pod's requests must fit in what the node's allocatable leaves after
// the requests of the pods already on it (bound, or assumed earlier in this plan): cpu, memory,
// ephemeral-storage, extended resources, and one more pod under status.allocatable.pods. Every
// shortfall is a reason of its own ("Insufficient cpu", "Insufficient memory", "Too many pods").
// A request larger than the whole allocatable cannot be helped by preemption (upstream 1.34+
// reports it as unresolvable), which the preemption summary uses.

import { isZero } from "../resources.ts";
import type { FilterPlugin, NodeInfo, PodInfo, Status } from "../types.ts";

export const NODE_RESOURCES_FIT = "NodeResourcesFit";
export const REASON_TOO_MANY_PODS = "Too many pods";

export function insufficient(resource: string): string {
  return `Insufficient ${resource}`;
}

const CPU_REASON = insufficient("cpu");
const MEMORY_REASON = insufficient("memory");
const EPHEMERAL_REASON = insufficient("ephemeral-storage");

/** The shortfalls of `node` for `pod`, or undefined when the pod fits. */
export function fitStatus(pod: PodInfo, node: NodeInfo, zeroRequest: boolean): Status | undefined {
  let reasons: string[] | undefined;
  let unresolvable = false;
  const shortfall = (reason: string, exceedsAllocatable: boolean) => {
    reasons ??= [];
    reasons.push(reason);
    if (exceedsAllocatable) unresolvable = true;
  };
  if (node.pods.length + 1 > node.allowedPods) shortfall(REASON_TOO_MANY_PODS, node.allowedPods < 1);
  if (!zeroRequest) {
    const want = pod.requests;
    const alloc = node.allocatable;
    const used = node.requested;
    if (want.milliCPU > 0 && want.milliCPU > alloc.milliCPU - used.milliCPU) {
      shortfall(CPU_REASON, want.milliCPU > alloc.milliCPU);
    }
    if (want.memory > 0 && want.memory > alloc.memory - used.memory) {
      shortfall(MEMORY_REASON, want.memory > alloc.memory);
    }
    if (want.ephemeralStorage > 0 && want.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
      shortfall(EPHEMERAL_REASON, want.ephemeralStorage > alloc.ephemeralStorage);
    }
    if (want.scalars) {
      for (const [name, amount] of want.scalars) {
        if (amount === 0) continue;
        const allocatable = alloc.scalars?.get(name) ?? 0;
        if (amount > allocatable - (used.scalars?.get(name) ?? 0)) shortfall(insufficient(name), amount > allocatable);
      }
    }
  }
  if (!reasons) return undefined;
  return { code: unresolvable ? "UnschedulableAndUnresolvable" : "Unschedulable", reasons, plugin: NODE_RESOURCES_FIT };
}

export const nodeResourcesFit: FilterPlugin = {
  name: NODE_RESOURCES_FIT,
  prepare(pod) {
    // A pod that requests nothing still takes one of the node's pod slots.
    const zeroRequest = isZero(pod.requests);
    return { filter: (node) => fitStatus(pod, node, zeroRequest) };
  },
};
