// TaintToleration (filter): every NoSchedule and NoExecute taint of the node must be tolerated.
// That is also how not-ready and unreachable nodes are kept free of new pods: the node lifecycle
// controller taints them (node.kubernetes.io/not-ready, .../unreachable) and only pods that tolerate
// those taints go there. Since Kubernetes 1.35 (backported to 1.34) the reason no longer names the
// taint, whose key and value may be sensitive.

import { firstUntolerated } from "../tolerations.ts";
import type { FilterPlugin, Status } from "../types.ts";

export const TAINT_TOLERATION = "TaintToleration";
export const REASON_UNTOLERATED_TAINT = "node(s) had untolerated taint(s)";

const STATUS: Status = {
  code: "UnschedulableAndUnresolvable",
  reasons: [REASON_UNTOLERATED_TAINT],
  plugin: TAINT_TOLERATION,
};

export const taintToleration: FilterPlugin = {
  name: TAINT_TOLERATION,
  prepare(pod) {
    const tolerations = pod.tolerations;
    return {
      filter: (node) => {
        if (node.hardTaints.length === 0) return undefined;
        return firstUntolerated(node.hardTaints, tolerations) ? STATUS : undefined;
      },
    };
  },
};
