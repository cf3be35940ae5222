// core/v1 Pod, and Binding (the body of pods/binding, which the scheduler posts).
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import type { z } from "zod";
import { kind } from "../meta.ts";
import { objectReferenceSchema } from "./common.ts";
import { podSpecSchema } from "./pod-spec.ts";
import { podStatusSchema } from "./pod-status.ts";

export const podSchema = kind("Pod", {
  spec: podSpecSchema,
  status: podStatusSchema,
});
export type Pod = z.infer<typeof podSchema>;

export const bindingSchema = kind("Binding", {
  target: objectReferenceSchema,
});
export type Binding = z.infer<typeof bindingSchema>;
