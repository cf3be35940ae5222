// core/v1 Namespace.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { str, struct, time } from "../kit.ts";
import { kind } from "../meta.ts";

export const namespaceSpecSchema = struct("NamespaceSpec", {
  finalizers: z.array(str),
});
export type NamespaceSpec = z.infer<typeof namespaceSpecSchema>;

export const namespaceConditionSchema = struct("NamespaceCondition", {
  type: str,
  status: str,
  lastTransitionTime: time,
  reason: str,
  message: str,
});
export type NamespaceCondition = z.infer<typeof namespaceConditionSchema>;

export const namespaceStatusSchema = struct("NamespaceStatus", {
  phase: str,
  conditions: z.array(namespaceConditionSchema),
});
export type NamespaceStatus = z.infer<typeof namespaceStatusSchema>;

export const namespaceSchema = kind("Namespace", {
  spec: namespaceSpecSchema,
  status: namespaceStatusSchema,
});
export type Namespace = z.infer<typeof namespaceSchema>;
