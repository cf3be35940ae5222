// core/v1 ConfigMap, Secret and ServiceAccount.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { bool, bytesMap, str, strMap } from "../kit.ts";
import { kind } from "../meta.ts";
import { localObjectReferenceSchema, objectReferenceSchema } from "./common.ts";

export const configMapSchema = kind("ConfigMap", {
  immutable: bool,
  data: strMap,
  binaryData: bytesMap,
});
export type ConfigMap = z.infer<typeof configMapSchema>;

export const secretSchema = kind("Secret", {
  immutable: bool,
  data: bytesMap,
  stringData: strMap,
  type: str,
});
export type Secret = z.infer<typeof secretSchema>;

export const serviceAccountSchema = kind("ServiceAccount", {
  secrets: z.array(objectReferenceSchema),
  imagePullSecrets: z.array(localObjectReferenceSchema),
  automountServiceAccountToken: bool,
});
export type ServiceAccount = z.infer<typeof serviceAccountSchema>;
