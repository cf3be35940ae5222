// policy/v1 Eviction: the body of pods/eviction.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import type { z } from "zod";
import { deleteOptionsSchema, kind } from "../meta.ts";

export const evictionSchema = kind("Eviction", {
  deleteOptions: deleteOptionsSchema,
});
export type Eviction = z.infer<typeof evictionSchema>;
