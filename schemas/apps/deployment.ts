// apps/v1 Deployment.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { podTemplateSpecSchema } from "../core/pod-spec.ts";
import { bool, int32, int64, intOrString, str, struct, time } from "../kit.ts";
import { kind, labelSelectorSchema } from "../meta.ts";

export const rollingUpdateDeploymentSchema = struct("RollingUpdateDeployment", {
  maxUnavailable: intOrString,
  maxSurge: intOrString,
});
export type RollingUpdateDeployment = z.infer<typeof rollingUpdateDeploymentSchema>;

export const deploymentStrategySchema = struct("DeploymentStrategy", {
  type: str,
  rollingUpdate: rollingUpdateDeploymentSchema,
});
export type DeploymentStrategy = z.infer<typeof deploymentStrategySchema>;

export const deploymentSpecSchema = struct("DeploymentSpec", {
  replicas: int32,
  selector: labelSelectorSchema,
  template: podTemplateSpecSchema,
  strategy: deploymentStrategySchema,
  minReadySeconds: int32,
  revisionHistoryLimit: int32,
  paused: bool,
  progressDeadlineSeconds: int32,
});
export type DeploymentSpec = z.infer<typeof deploymentSpecSchema>;

export const deploymentConditionSchema = struct("DeploymentCondition", {
  type: str,
  status: str,
  lastUpdateTime: time,
  lastTransitionTime: time,
  reason: str,
  message: str,
});
export type DeploymentCondition = z.infer<typeof deploymentConditionSchema>;

export const deploymentStatusSchema = struct("DeploymentStatus", {
  observedGeneration: int64,
  replicas: int32,
  updatedReplicas: int32,
  readyReplicas: int32,
  availableReplicas: int32,
  unavailableReplicas: int32,
  terminatingReplicas: int32,
  conditions: z.array(deploymentConditionSchema),
  collisionCount: int32,
});
export type DeploymentStatus = z.infer<typeof deploymentStatusSchema>;

export const deploymentSchema = kind("Deployment", {
  spec: deploymentSpecSchema,
  status: deploymentStatusSchema,
});
export type Deployment = z.infer<typeof deploymentSchema>;
