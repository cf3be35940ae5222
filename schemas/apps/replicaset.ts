// apps/v1 ReplicaSet.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { podTemplateSpecSchema } from "../core/pod-spec.ts";
import { int32, int64, str, struct, time } from "../kit.ts";
import { kind, labelSelectorSchema } from "../meta.ts";

export const replicaSetSpecSchema = struct("ReplicaSetSpec", {
  replicas: int32,
  minReadySeconds: int32,
  selector: labelSelectorSchema,
  template: podTemplateSpecSchema,
});
export type ReplicaSetSpec = z.infer<typeof replicaSetSpecSchema>;

export const replicaSetConditionSchema = struct("ReplicaSetCondition", {
  type: str,
  status: str,
  lastTransitionTime: time,
  reason: str,
  message: str,
});
export type ReplicaSetCondition = z.infer<typeof replicaSetConditionSchema>;

export const replicaSetStatusSchema = struct("ReplicaSetStatus", {
  replicas: int32,
  fullyLabeledReplicas: int32,
  readyReplicas: int32,
  availableReplicas: int32,
  terminatingReplicas: int32,
  observedGeneration: int64,
  conditions: z.array(replicaSetConditionSchema),
});
export type ReplicaSetStatus = z.infer<typeof replicaSetStatusSchema>;

export const replicaSetSchema = kind("ReplicaSet", {
  spec: replicaSetSpecSchema,
  status: replicaSetStatusSchema,
});
export type ReplicaSet = z.infer<typeof replicaSetSchema>;
