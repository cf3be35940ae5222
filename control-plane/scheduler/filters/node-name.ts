// NodeName: a pod that names its node fits only there. The plan never schedules such pods (they
// were placed by whoever set spec.nodeName), so this matters only to callers of schedulePod that
// pass one, exactly as upstream's filter would judge it.

import type { FilterPlugin, Status } from "../types.ts";

export const NODE_NAME = "NodeName";
export const REASON_NODE_NAME = "node(s) didn't match the requested node name";

const STATUS: Status = { code: "UnschedulableAndUnresolvable", reasons: [REASON_NODE_NAME], plugin: NODE_NAME };

export const nodeName: FilterPlugin = {
  name: NODE_NAME,
  prepare(pod) {
    const wanted = pod.spec.nodeName;
    if (!wanted) return {};
    return { filter: (node) => (node.name === wanted ? undefined : STATUS) };
  },
};
