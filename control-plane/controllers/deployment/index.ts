// The Deployment controller (kube-controller-manager's deployment controller) as a pure plan, and
// which Deployments a ReplicaSet or pod change concerns.
export { deploymentsToSyncForPod, deploymentsToSyncForReplicaSet } from "./enqueue.ts";
export { equalIgnoreHash, POD_TEMPLATE_HASH_LABEL, podTemplateHash } from "./hash.ts";
export { type DeploymentPlanInput, planDeployment } from "./plan.ts";
export {
  DESIRED_REPLICAS,
  type DeploymentObject,
  MAX_REPLICAS,
  REVISION,
  REVISION_HISTORY,
} from "./util.ts";
