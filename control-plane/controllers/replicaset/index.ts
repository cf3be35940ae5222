// The ReplicaSet controller (kube-controller-manager's replicaset controller) as a pure plan, and
// which ReplicaSets a pod change concerns.
export { type Change, replicaSetsToSync } from "./enqueue.ts";
export { BURST_REPLICAS, planReplicaSet, type ReplicaSetPlanInput } from "./plan.ts";
export { POD_DELETION_COST, rankPodsForDeletion } from "./pod-ranking.ts";
export { calculateReplicaSetStatus, type ReplicaSetObject } from "./status.ts";
