// Nodes: the Ready condition as STATUS (plus SchedulingDisabled when cordoned), roles from labels,
// kubelet version, addresses and system info.

import type { KubeObject } from "../../../schemas/object.ts";
import { age } from "./duration.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./format.ts";
import { rec, recs, str, stringMap } from "./read.ts";
import type { PrintedRow, Printer } from "./types.ts";

const ROLE_PREFIX = "node-role.kubernetes.io/";
const ROLE_LABEL = "kubernetes.io/role";

/** `Ready`, `NotReady` (False or Unknown), `Unknown` (no Ready condition), then `,SchedulingDisabled`. */
export function nodeStatus(node: KubeObject): string {
  const ready = recs(rec(node.status).conditions).find((c) => c.type === "Ready");
  const status = [ready === undefined ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady"];
  if (rec(node.spec).unschedulable === true) status.push("SchedulingDisabled");
  return status.join(",");
}

/** Roles from `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role=<role>`, sorted, or `<none>`. */
export function nodeRoles(labels: unknown): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(stringMap(labels))) {
    if (key.startsWith(ROLE_PREFIX)) {
      const role = key.slice(ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return roles.size > 0 ? [...roles].sort().join(",") : "<none>";
}

function address(node: KubeObject, type: string): string {
  return str(recs(rec(node.status).addresses).find((a) => a.type === type)?.address) || "<none>";
}

function printNode(node: KubeObject, now: number): PrintedRow {
  const info = rec(rec(node.status).nodeInfo);
  return {
    cells: [
      str(node.metadata.name),
      nodeStatus(node),
      nodeRoles(node.metadata.labels),
      age(node.metadata.creationTimestamp, now),
      str(info.kubeletVersion),
      address(node, "InternalIP"),
      address(node, "ExternalIP"),
      str(info.osImage) || "<unknown>",
      str(info.kernelVersion) || "<unknown>",
      str(info.containerRuntimeVersion) || "<unknown>",
    ],
  };
}

export const nodePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    AGE_COLUMN,
    column("Version", "string", "Kubelet version reported by the node (status.nodeInfo.kubeletVersion)."),
    column("Internal-IP", "string", "The node's first InternalIP address.", true),
    column("External-IP", "string", "The node's first ExternalIP address.", true),
    column("OS-Image", "string", "OS image reported by the node.", true),
    column("Kernel-Version", "string", "Kernel version reported by the node.", true),
    column("Container-Runtime", "string", "Container runtime version reported by the node.", true),
  ],
  print: printNode,
};
