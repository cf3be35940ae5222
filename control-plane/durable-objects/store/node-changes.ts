// Which nodes a batch of committed changes concerns: the ones whose assignment (their pods'
// spec and metadata, and the ConfigMaps and Secrets of their namespaces) changed. A pod's status
// write does not count: the node wrote it.

import { jsonEqual } from "../../api/json.ts";
import { readyStatus } from "./node-access.ts";
import { assignedPod } from "./node-references.ts";
import type { Change } from "./revision-log.ts";

function nodeOf(pod: Change["value"] | null): string | undefined {
  return (pod?.spec as { nodeName?: string } | undefined)?.nodeName || undefined;
}

export function affectedNodes(changes: readonly Change[], nodesIn: (namespace: string) => string[]): Set<string> {
  const nodes = new Set<string>();
  const namespaces = new Set<string>();
  for (const c of changes) {
    if (c.resource === "pods") {
      const now = c.type === "DELETED" ? undefined : nodeOf(c.value);
      const before = nodeOf(c.prev) ?? (c.type === "DELETED" ? nodeOf(c.value) : undefined);
      if (!now && !before) continue;
      if (c.type === "MODIFIED" && c.prev && now === before && jsonEqual(assignedPod(c.value), assignedPod(c.prev)))
        continue;
      if (now) nodes.add(now);
      if (before) nodes.add(before);
    } else if (c.resource === "configmaps" || c.resource === "secrets") namespaces.add(c.namespace);
    // The node lifecycle marked the node (or the node came back): its agent must hear of it.
    else if (c.resource === "nodes" && c.type !== "DELETED" && readyStatus(c.value) !== readyStatus(c.prev))
      nodes.add(c.name);
  }
  for (const ns of namespaces) for (const n of nodesIn(ns)) nodes.add(n);
  return nodes;
}
