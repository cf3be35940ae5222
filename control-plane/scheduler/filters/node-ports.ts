// NodePorts: a host port can be bound once per protocol and address. A pod's port conflicts with one
// in use on the node when protocol and port match and either side binds every address (0.0.0.0) or
// both bind the same address.

import type { FilterPlugin, HostPort, NodeInfo, Status } from "../types.ts";

export const NODE_PORTS = "NodePorts";
export const REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

const STATUS: Status = { code: "Unschedulable", reasons: [REASON_NODE_PORTS], plugin: NODE_PORTS };
const ANY_ADDRESS = "0.0.0.0";

export function portConflicts(port: HostPort, node: NodeInfo): boolean {
  const ips = node.usedPorts.get(`${port.protocol}/${port.port}`);
  if (!ips || ips.size === 0) return false;
  if (port.hostIP === ANY_ADDRESS) return true;
  return ips.has(ANY_ADDRESS) || ips.has(port.hostIP);
}

export const nodePorts: FilterPlugin = {
  name: NODE_PORTS,
  prepare(pod) {
    const ports = pod.hostPorts;
    if (ports.length === 0) return {};
    return {
      filter: (node) => {
        if (node.usedPorts.size === 0) return undefined;
        for (const port of ports) if (portConflicts(port, node)) return STATUS;
        return undefined;
      },
    };
  },
};
