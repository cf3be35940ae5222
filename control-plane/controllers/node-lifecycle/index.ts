// Node lifecycle plan (kube-controller-manager's nodelifecycle, taint eviction and pod GC orphans).
export {
  DEFAULT_NODE_LIFECYCLE_CONFIG,
  NODE_CONTROLLER,
  type NodeLifecycleConfig,
  resolveNodeLifecycleConfig,
  TAINT_EVICTION_CONTROLLER,
} from "./config.ts";
export { type ClusterDisruption, EXCLUDE_DISRUPTION_LABEL, type ZoneState, zoneKeyOf } from "./disruption.ts";
export {
  assessCluster,
  type ClusterAssessment,
  NODE_LEASE_NAMESPACE,
  type NodeLifecycleInput,
  nodesWithPodWork,
  planNodeLifecycle,
} from "./plan.ts";
export { TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, tolerates } from "./taints.ts";
