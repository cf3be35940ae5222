// autoscaling/v1 Scale: the body of deployments/scale and replicasets/scale.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import type { z } from "zod";
import { int32, str, struct } from "../kit.ts";
import { kind } from "../meta.ts";

export const scaleSpecSchema = struct("ScaleSpec", {
  replicas: int32,
});
export type ScaleSpec = z.infer<typeof scaleSpecSchema>;

export const scaleStatusSchema = struct("ScaleStatus", {
  replicas: int32,
  selector: str,
});
export type ScaleStatus = z.infer<typeof scaleStatusSchema>;

export const scaleSchema = kind("Scale", {
  spec: scaleSpecSchema,
  status: scaleStatusSchema,
});
export type Scale = z.infer<typeof scaleSchema>;
