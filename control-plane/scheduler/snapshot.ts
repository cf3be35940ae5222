// The cluster as the scheduler sees it for one plan: nodes with running totals of what their pods
// request, the host ports they hold, and how many pods of each controller they run. Built once from
// the nodes and the bound pods; `assume` adds a pod the plan has just placed, in O(1) for the totals,
// so later pods of the same plan see it and placing 10,000 pods never rescans the pods.

import type { Node } from "../../schemas/core/node.ts";
import type { KubeObject } from "../../schemas/object.ts";
import { buildPodInfo, podSpecOf, runtimeClassInfo } from "./pod-info.ts";
import { addResources, nodeAllocatable } from "./resources.ts";
import {
  LABEL_REGION,
  LABEL_ZONE,
  type NodeInfo,
  type PodInfo,
  type RuntimeClassInfo,
  type SnapshotView,
} from "./types.ts";

export interface SnapshotInput {
  nodes: readonly KubeObject[];
  /** Pods of the cluster; those bound to a node and not finished are charged to it. */
  pods: readonly KubeObject[];
  runtimeClasses: readonly KubeObject[];
}

function buildNodeInfo(object: KubeObject, index: number): NodeInfo {
  const node = object as unknown as Node;
  const taints = node.spec?.taints ?? [];
  const { resources, pods } = nodeAllocatable(node.status?.allocatable, node.status?.capacity);
  return {
    name: object.metadata.name ?? "",
    object,
    labels: object.metadata.labels ?? {},
    unschedulable: node.spec?.unschedulable === true,
    hardTaints: taints.filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute"),
    preferNoScheduleTaints: taints.filter((t) => t.effect === "PreferNoSchedule"),
    runtimeHandlers: new Set((node.status?.runtimeHandlers ?? []).map((h) => h.name ?? "")),
    allocatable: resources,
    allowedPods: pods,
    index,
    requested: { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalars: undefined },
    nonZeroCPU: 0,
    nonZeroMemory: 0,
    pods: [],
    usedPorts: new Map(),
    podsByOwner: new Map(),
    minPriority: Number.POSITIVE_INFINITY,
  };
}

/** Upstream's NodeTree order: nodes interleaved zone by zone, so that scoring only a sample of the
 * nodes (percentageOfNodesToScore) still sees every zone. */
function zoneInterleaved(nodes: readonly KubeObject[]): KubeObject[] {
  const zones = new Map<string, KubeObject[]>();
  for (const node of nodes) {
    const labels = node.metadata.labels ?? {};
    const key = `${labels[LABEL_REGION] ?? ""}:\u0000:${labels[LABEL_ZONE] ?? ""}`;
    const list = zones.get(key);
    if (list) list.push(node);
    else zones.set(key, [node]);
  }
  if (zones.size <= 1) return [...nodes];
  const lists = [...zones.values()];
  const out: KubeObject[] = [];
  for (let i = 0; out.length < nodes.length; i++) {
    for (const list of lists) if (i < list.length) out.push(list[i]!);
  }
  return out;
}

function isFinished(pod: KubeObject): boolean {
  const status = pod.status as { phase?: string } | undefined;
  return status?.phase === "Succeeded" || status?.phase === "Failed";
}

export class Snapshot implements SnapshotView {
  readonly nodes: NodeInfo[];
  readonly nodesByName: Map<string, NodeInfo>;
  readonly runtimeClasses: Map<string, RuntimeClassInfo>;
  readonly podsWithAffinity: { pod: PodInfo; node: NodeInfo }[] = [];
  readonly zonePodsByOwner = new Map<string, Map<string, number>>();
  readonly hasZones: boolean;
  /** Where the next pod's search for feasible nodes starts (upstream's nextStartNodeIndex), so that
   * sampling a share of a large cluster still visits every node in turn. */
  nextStartIndex = 0;

  constructor(input: SnapshotInput) {
    this.runtimeClasses = new Map();
    for (const rc of input.runtimeClasses) {
      const info = runtimeClassInfo(rc);
      this.runtimeClasses.set(info.name, info);
    }
    this.nodes = zoneInterleaved(input.nodes).map(buildNodeInfo);
    this.nodesByName = new Map(this.nodes.map((n) => [n.name, n]));
    this.hasZones = this.nodes.some((n) => n.labels[LABEL_ZONE] !== undefined);
    for (const pod of input.pods) {
      const nodeName = podSpecOf(pod).nodeName;
      if (!nodeName || isFinished(pod)) continue;
      const node = this.nodesByName.get(nodeName);
      // A pod bound to a node that is gone holds nothing the scheduler can place against.
      if (node) this.assume(this.podInfo(pod), node);
    }
  }

  podInfo(pod: KubeObject): PodInfo {
    return buildPodInfo(pod, this.runtimeClasses);
  }

  /** Charges a pod to a node: the pod is bound there, or the plan has just chosen it. */
  assume(pod: PodInfo, node: NodeInfo): void {
    addResources(node.requested, pod.requests);
    node.nonZeroCPU += pod.nonZeroCPU;
    node.nonZeroMemory += pod.nonZeroMemory;
    node.pods.push(pod);
    if (pod.priority < node.minPriority) node.minPriority = pod.priority;
    for (const p of pod.hostPorts) {
      const key = `${p.protocol}/${p.port}`;
      const ips = node.usedPorts.get(key);
      if (ips) ips.add(p.hostIP);
      else node.usedPorts.set(key, new Set([p.hostIP]));
    }
    if (pod.affinity) this.podsWithAffinity.push({ pod, node });
    // Spreading counts only pods that are not on their way out (upstream skips terminating pods).
    if (pod.ownerUID === undefined || pod.terminating) return;
    node.podsByOwner.set(pod.ownerUID, (node.podsByOwner.get(pod.ownerUID) ?? 0) + 1);
    const zone = node.labels[LABEL_ZONE];
    if (zone === undefined) return;
    const owners = this.zonePodsByOwner.get(zone);
    if (owners) owners.set(pod.ownerUID, (owners.get(pod.ownerUID) ?? 0) + 1);
    else this.zonePodsByOwner.set(zone, new Map([[pod.ownerUID, 1]]));
  }
}

export function buildSnapshot(input: SnapshotInput): Snapshot {
  return new Snapshot(input);
}
