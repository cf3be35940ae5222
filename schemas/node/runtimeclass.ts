// node.k8s.io/v1 RuntimeClass: selects a runtime handler (containerd, wasm) on the node.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { tolerationSchema } from "../core/common.ts";
import { resourceList, str, strMap, struct } from "../kit.ts";
import { kind } from "../meta.ts";

export const overheadSchema = struct("Overhead", {
  podFixed: resourceList,
});
export type Overhead = z.infer<typeof overheadSchema>;

export const schedulingSchema = struct("Scheduling", {
  nodeSelector: strMap,
  tolerations: z.array(tolerationSchema),
});
export type Scheduling = z.infer<typeof schedulingSchema>;

export const runtimeClassSchema = kind("RuntimeClass", {
  handler: str,
  overhead: overheadSchema,
  scheduling: schedulingSchema,
});
export type RuntimeClass = z.infer<typeof runtimeClassSchema>;
