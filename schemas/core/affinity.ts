// core/v1 scheduling constraints: node and pod (anti-)affinity, topology spread.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { int32, str, strList, struct } from "../kit.ts";
import { labelSelectorSchema } from "../meta.ts";
import { nodeSelectorSchema, nodeSelectorTermSchema } from "./common.ts";

export const preferredSchedulingTermSchema = struct("PreferredSchedulingTerm", {
  weight: int32,
  preference: nodeSelectorTermSchema,
});
export type PreferredSchedulingTerm = z.infer<typeof preferredSchedulingTermSchema>;

export const nodeAffinitySchema = struct("NodeAffinity", {
  requiredDuringSchedulingIgnoredDuringExecution: nodeSelectorSchema,
  preferredDuringSchedulingIgnoredDuringExecution: z.array(preferredSchedulingTermSchema),
});
export type NodeAffinity = z.infer<typeof nodeAffinitySchema>;

export const podAffinityTermSchema = struct("PodAffinityTerm", {
  labelSelector: labelSelectorSchema,
  namespaces: strList,
  topologyKey: str,
  namespaceSelector: labelSelectorSchema,
  matchLabelKeys: strList,
  mismatchLabelKeys: strList,
});
export type PodAffinityTerm = z.infer<typeof podAffinityTermSchema>;

export const weightedPodAffinityTermSchema = struct("WeightedPodAffinityTerm", {
  weight: int32,
  podAffinityTerm: podAffinityTermSchema,
});
export type WeightedPodAffinityTerm = z.infer<typeof weightedPodAffinityTermSchema>;

export const podAffinitySchema = struct("PodAffinity", {
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTermSchema),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(weightedPodAffinityTermSchema),
});
export type PodAffinity = z.infer<typeof podAffinitySchema>;

export const podAntiAffinitySchema = struct("PodAntiAffinity", {
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTermSchema),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(weightedPodAffinityTermSchema),
});
export type PodAntiAffinity = z.infer<typeof podAntiAffinitySchema>;

export const affinitySchema = struct("Affinity", {
  nodeAffinity: nodeAffinitySchema,
  podAffinity: podAffinitySchema,
  podAntiAffinity: podAntiAffinitySchema,
});
export type Affinity = z.infer<typeof affinitySchema>;

export const topologySpreadConstraintSchema = struct("TopologySpreadConstraint", {
  maxSkew: int32,
  topologyKey: str,
  whenUnsatisfiable: str,
  labelSelector: labelSelectorSchema,
  minDomains: int32,
  nodeAffinityPolicy: str,
  nodeTaintsPolicy: str,
  matchLabelKeys: strList,
});
export type TopologySpreadConstraint = z.infer<typeof topologySpreadConstraintSchema>;
