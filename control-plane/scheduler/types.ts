// The scheduler's working vocabulary: a pod and a node digested once into numbers and sets (so the
// filter and score loops, run for every pod against hundreds of nodes, only compare numbers), and
// the plugin contracts, which mirror kube-scheduler's PreFilter/Filter and PreScore/Score/Normalize
// extension points without its cycle-state machinery: a plugin's per-pod preparation returns the
// closure that checks or scores one node.

import type { Toleration } from "../../schemas/core/common.ts";
import type { Taint } from "../../schemas/core/node.ts";
import type { PodSpec } from "../../schemas/core/pod-spec.ts";
import type { KubeObject } from "../../schemas/object.ts";
import type { AffinityTerms } from "./affinity-terms.ts";

/** Requests or allocatable amounts in the units the scheduler compares: milli-CPU and bytes. */
export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources, hugepages...: whole units. Undefined when there are none (the common case). */
  scalars: Map<string, number> | undefined;
}

/** A host port a pod claims; hostIP "0.0.0.0" means every address. */
export interface HostPort {
  hostIP: string;
  protocol: string;
  port: number;
}

/** What the scheduler needs of a RuntimeClass. */
export interface RuntimeClassInfo {
  readonly name: string;
  readonly handler: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  readonly overhead: Readonly<Record<string, string>> | undefined;
}

/** A pod, digested once: what every plugin reads about it. */
export interface PodInfo {
  readonly object: KubeObject;
  readonly spec: PodSpec;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly priority: number;
  /** deletionTimestamp is set: still holds its resources, but spreading does not count it. */
  readonly terminating: boolean;
  /** The uid of the ReplicaSet, ReplicationController or StatefulSet controlling the pod: what the
   * default spreading groups pods by. */
  readonly ownerUID: string | undefined;
  /** What the NodeResourcesFit filter charges (requests as written, plus overhead). */
  readonly requests: Resources;
  /** CPU and memory with upstream's defaults (100m, 200Mi) for containers that request none: for scoring. */
  readonly nonZeroCPU: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  /** The pod's tolerations plus those of its RuntimeClass. */
  readonly tolerations: readonly Toleration[];
  /** Required/preferred pod (anti-)affinity terms, compiled; undefined when the pod has none. */
  readonly affinity: AffinityTerms | undefined;
  /** spec.runtimeClassName, and the RuntimeClass it names when that exists. */
  readonly runtimeClassName: string | undefined;
  readonly runtimeClass: RuntimeClassInfo | undefined;
}

/** A node with the running totals of the pods bound (or assumed) to it. */
export interface NodeInfo {
  readonly name: string;
  readonly object: KubeObject;
  readonly labels: Readonly<Record<string, string>>;
  readonly unschedulable: boolean;
  /** NoSchedule and NoExecute taints: the filter's concern. */
  readonly hardTaints: readonly Taint[];
  readonly preferNoScheduleTaints: readonly Taint[];
  readonly runtimeHandlers: ReadonlySet<string>;
  readonly allocatable: Resources;
  readonly allowedPods: number;
  /** Position in the snapshot's node order. */
  readonly index: number;
  // The aggregates below change as pods are assumed onto the node during a plan.
  readonly requested: Resources;
  nonZeroCPU: number;
  nonZeroMemory: number;
  readonly pods: PodInfo[];
  /** Host ports in use, as "protocol/port" -> host IPs. */
  readonly usedPorts: Map<string, Set<string>>;
  /** Non-terminating pods per controller owner uid: the system-default spreading count. */
  readonly podsByOwner: Map<string, number>;
  /** The lowest priority among the node's pods (Infinity when empty): preemption's first question. */
  minPriority: number;
}

export type StatusCode = "Unschedulable" | "UnschedulableAndUnresolvable";

/** Why one node cannot take the pod; several reasons when one plugin finds several (cpu and memory). */
export interface Status {
  readonly code: StatusCode;
  readonly reasons: readonly string[];
  readonly plugin: string;
}

export type NodeFilter = (node: NodeInfo) => Status | undefined;

/** What a filter plugin's PreFilter decides for one pod. */
export interface FilterPreparation {
  /** Checks one node; absent when the plugin has nothing to check for this pod. */
  filter?: NodeFilter;
  /** Only these nodes can fit (NodeAffinity's matchFields on metadata.name). */
  nodeNames?: ReadonlySet<string>;
  /** The pod fits no node at all (a PreFilter rejection). */
  reject?: Status;
}

export interface FilterPlugin {
  readonly name: string;
  prepare(pod: PodInfo, snapshot: SnapshotView): FilterPreparation;
}

/** Scores one node; `normalize` then maps the raw scores of all feasible nodes to 0..100 in place. */
export interface NodeScorer {
  score(node: NodeInfo): number;
  normalize?(scores: number[]): void;
}

export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  /** PreScore: undefined skips the plugin for this pod (every node scores 0, as upstream's Skip). */
  prepare(pod: PodInfo, feasible: readonly NodeInfo[], snapshot: SnapshotView): NodeScorer | undefined;
}

/** What plugins may read of the snapshot. */
export interface SnapshotView {
  readonly nodes: readonly NodeInfo[];
  readonly nodesByName: ReadonlyMap<string, NodeInfo>;
  /** Pods (on any node) with required or preferred pod (anti-)affinity terms, and their nodes. */
  readonly podsWithAffinity: readonly { pod: PodInfo; node: NodeInfo }[];
  /** Non-terminating pods per zone label value per controller owner uid. */
  readonly zonePodsByOwner: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Whether any node has a zone label (else zone spreading is skipped outright). */
  readonly hasZones: boolean;
}

export const MAX_NODE_SCORE = 100;
export const LABEL_HOSTNAME = "kubernetes.io/hostname";
export const LABEL_ZONE = "topology.kubernetes.io/zone";
export const LABEL_REGION = "topology.kubernetes.io/region";

/** A node's value for a topology key. kubelet always labels the hostname; nodes registered without
 * that label are treated as if it were their name, so spreading and anti-affinity still work. */
export function topologyValue(node: NodeInfo, key: string): string | undefined {
  const value = node.labels[key];
  if (value !== undefined) return value;
  return key === LABEL_HOSTNAME ? node.name : undefined;
}
