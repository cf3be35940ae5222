// Builders for the node lifecycle tests: nodes, leases and pods with just the fields the plan reads.

import type { Toleration } from "../../../schemas/core/common.ts";
import type { NodeCondition, Taint } from "../../../schemas/core/node.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import { rfc3339 } from "../events/time.ts";

export const T0 = Date.parse("2026-03-01T10:00:00Z");
export const LONG_AGO = T0 - 24 * 60 * 60 * 1000;
export const at = (ms: number): string => rfc3339(ms);

export interface NodeOptions {
  ready?: "True" | "False" | "Unknown";
  /** Ready's lastHeartbeatTime and lastTransitionTime. */
  since?: number;
  taints?: Taint[];
  labels?: Record<string, string>;
  unschedulable?: boolean;
  pressure?: "False" | "Unknown";
  created?: number;
}

export function node(name: string, o: NodeOptions = {}): KubeObject {
  const conditions: NodeCondition[] = [];
  if (o.ready) {
    const since = at(o.since ?? LONG_AGO);
    for (const type of ["MemoryPressure", "DiskPressure", "PIDPressure"]) {
      const status = o.ready === "Unknown" ? "Unknown" : (o.pressure ?? "False");
      conditions.push({
        type,
        status,
        lastHeartbeatTime: since,
        lastTransitionTime: since,
        reason: "KubeletHasNoPressure",
      });
    }
    conditions.push({
      type: "Ready",
      status: o.ready,
      lastHeartbeatTime: since,
      lastTransitionTime: since,
      reason: "KubeletReady",
    });
  }
  const n: KubeObject = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `${name}-uid`, resourceVersion: "7", creationTimestamp: at(o.created ?? LONG_AGO) },
    spec: {},
    status: { conditions },
  };
  if (o.labels) n.metadata.labels = o.labels;
  if (o.taints) n.spec = { taints: o.taints };
  if (o.unschedulable) n.spec = { ...(n.spec as object), unschedulable: true };
  return n;
}

export function lease(name: string, renewed: number): KubeObject {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: "kube-node-lease" },
    spec: {
      holderIdentity: name,
      leaseDurationSeconds: 40,
      renewTime: new Date(renewed).toISOString().replace("Z", "000Z"),
    },
  };
}

export interface PodOptions {
  tolerations?: Toleration[];
  ready?: boolean;
  phase?: string;
  deleting?: boolean;
}

export function pod(name: string, nodeName: string, o: PodOptions = {}): KubeObject {
  const p: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `${name}-uid`, resourceVersion: "3" },
    spec: { nodeName, containers: [{ name: "c", image: "nginx" }] },
    status: {
      phase: o.phase ?? "Running",
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", lastTransitionTime: at(LONG_AGO) }],
    },
  };
  if (o.tolerations) (p.spec as { tolerations?: Toleration[] }).tolerations = o.tolerations;
  if (o.deleting) p.metadata.deletionTimestamp = at(T0);
  return p;
}

export const unreachable = (added: number): Taint => ({
  key: "node.kubernetes.io/unreachable",
  effect: "NoExecute",
  timeAdded: at(added),
});
export const notReady = (added: number): Taint => ({
  key: "node.kubernetes.io/not-ready",
  effect: "NoExecute",
  timeAdded: at(added),
});
export const UNREACHABLE_NS: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" };
export const NOT_READY_NS: Taint = { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" };
