// Builders for the scheduler's tests: nodes and pods in a line each, with only what a case is about.

import type { Affinity, TopologySpreadConstraint } from "../../schemas/core/affinity.ts";
import type { Toleration } from "../../schemas/core/common.ts";
import type { Container } from "../../schemas/core/container.ts";
import type { Taint } from "../../schemas/core/node.ts";
import type { PodSpec } from "../../schemas/core/pod-spec.ts";
import type { KubeObject } from "../../schemas/object.ts";
import { Snapshot } from "./snapshot.ts";
import type { FilterPlugin, NodeInfo, ScorePlugin, Status } from "./types.ts";

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  ephemeral?: string;
  extended?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  handlers?: string[];
}

export function makeNode(name: string, o: NodeOptions = {}): KubeObject {
  const allocatable: Record<string, string> = {
    cpu: o.cpu ?? "4",
    memory: o.memory ?? "8Gi",
    pods: o.pods ?? "110",
    ...(o.ephemeral ? { "ephemeral-storage": o.ephemeral } : {}),
    ...o.extended,
  };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}`, labels: { "kubernetes.io/hostname": name, ...o.labels } },
    spec: { taints: o.taints ?? [], ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable, capacity: allocatable, runtimeHandlers: (o.handlers ?? [""]).map((n) => ({ name: n })) },
  };
}

export type PortSpec = number | { port: number; protocol?: string; hostIP?: string };

export interface PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  ephemeral?: string;
  extended?: Record<string, string>;
  labels?: Record<string, string>;
  /** The controller owner's uid (a ReplicaSet). */
  owner?: string;
  nodeName?: string;
  phase?: string;
  terminating?: boolean;
  priority?: number;
  created?: string;
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  hostPorts?: PortSpec[];
  runtimeClassName?: string;
  initContainers?: Container[];
  spreads?: TopologySpreadConstraint[];
  spec?: Partial<PodSpec>;
}

export function makePod(name: string, o: PodOptions = {}): KubeObject {
  const requests: Record<string, string> = {
    ...(o.cpu ? { cpu: o.cpu } : {}),
    ...(o.memory ? { memory: o.memory } : {}),
    ...(o.ephemeral ? { "ephemeral-storage": o.ephemeral } : {}),
    ...o.extended,
  };
  const ports = (o.hostPorts ?? []).map((p) => {
    const port = typeof p === "number" ? { port: p } : p;
    return { containerPort: port.port, hostPort: port.port, protocol: port.protocol, hostIP: port.hostIP };
  });
  const spec: PodSpec = {
    schedulerName: "default-scheduler",
    containers: [{ name: "app", image: "app", resources: { requests }, ...(ports.length ? { ports } : {}) }],
    ...(o.initContainers ? { initContainers: o.initContainers } : {}),
    ...(o.nodeName ? { nodeName: o.nodeName } : {}),
    ...(o.priority !== undefined ? { priority: o.priority } : {}),
    ...(o.tolerations ? { tolerations: o.tolerations } : {}),
    ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
    ...(o.affinity ? { affinity: o.affinity } : {}),
    ...(o.runtimeClassName ? { runtimeClassName: o.runtimeClassName } : {}),
    ...(o.spreads ? { topologySpreadConstraints: o.spreads } : {}),
    ...o.spec,
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: o.namespace ?? "default",
      uid: `uid-${name}`,
      resourceVersion: "1",
      creationTimestamp: o.created ?? "2026-01-01T00:00:00Z",
      labels: o.labels ?? {},
      ...(o.owner
        ? {
            ownerReferences: [
              { apiVersion: "apps/v1", kind: "ReplicaSet", name: o.owner, uid: o.owner, controller: true },
            ],
          }
        : {}),
      ...(o.terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec,
    status: { phase: o.phase ?? (o.nodeName ? "Running" : "Pending") },
  };
}

export function makeRuntimeClass(name: string, handler: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name }, handler, ...extra };
}

export function snapshotOf(nodes: KubeObject[], pods: KubeObject[] = [], runtimeClasses: KubeObject[] = []): Snapshot {
  return new Snapshot({ nodes, pods, runtimeClasses });
}

/** Runs one filter plugin for a pod against one node of the snapshot: undefined means it fits. */
export function runFilter(plugin: FilterPlugin, snapshot: Snapshot, pod: KubeObject, node: string): Status | undefined {
  const info = snapshot.podInfo(pod);
  const prep = plugin.prepare(info, snapshot);
  if (prep.reject) return prep.reject;
  const target = snapshot.nodesByName.get(node);
  if (!target) throw new Error(`no node ${node}`);
  return prep.filter?.(target);
}

/** One score plugin's normalised scores (before weighting) for the pod over the given nodes. */
export function runScore(
  plugin: ScorePlugin,
  snapshot: Snapshot,
  pod: KubeObject,
  nodes: string[] = snapshot.nodes.map((n) => n.name),
): Record<string, number> | undefined {
  const info = snapshot.podInfo(pod);
  const feasible = nodes.map((n) => snapshot.nodesByName.get(n)).filter((n): n is NodeInfo => n !== undefined);
  const scorer = plugin.prepare(info, feasible, snapshot);
  if (!scorer) return undefined;
  const scores = feasible.map((n) => scorer.score(n));
  scorer.normalize?.(scores);
  return Object.fromEntries(feasible.map((n, i) => [n.name, scores[i]!]));
}

export const taint = (key: string, effect: string, value?: string): Taint => ({
  key,
  effect,
  ...(value !== undefined ? { value } : {}),
});
