// NodeUnschedulable: a cordoned node (spec.unschedulable) takes no new pods, unless the pod tolerates
// the taint that cordoning stands for, node.kubernetes.io/unschedulable:NoSchedule (DaemonSet pods
// carry that toleration).

import { tolerationsTolerate } from "../tolerations.ts";
import type { FilterPlugin, Status } from "../types.ts";

export const NODE_UNSCHEDULABLE = "NodeUnschedulable";
export const REASON_UNSCHEDULABLE = "node(s) were unschedulable";

const UNSCHEDULABLE_TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };
const STATUS: Status = {
  code: "UnschedulableAndUnresolvable",
  reasons: [REASON_UNSCHEDULABLE],
  plugin: NODE_UNSCHEDULABLE,
};

export const nodeUnschedulable: FilterPlugin = {
  name: NODE_UNSCHEDULABLE,
  prepare(pod) {
    if (tolerationsTolerate(pod.tolerations, UNSCHEDULABLE_TAINT)) return {};
    return { filter: (node) => (node.unschedulable ? STATUS : undefined) };
  },
};
