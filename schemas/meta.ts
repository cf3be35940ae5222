// metav1: ObjectMeta and the small structs every kind shares (owner references, label selectors,
// conditions, DeleteOptions), and kind(), which gives a top-level kind its TypeMeta and metadata.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { bool, freeform, int64, type Shape, str, strList, strMap, struct, time } from "./kit.ts";

// managedFields are the server's own record; the TypeScript types (schemas/object.ts) name the two
// operations and the one fields type, and validation refuses other values, as upstream does.
const managedFieldsOperation = str as z.ZodType<string> as z.ZodType<"Apply" | "Update">;
const managedFieldsType = str as z.ZodType<string> as z.ZodType<"FieldsV1">;

export const ownerReferenceSchema = struct("OwnerReference", {
  apiVersion: str.default(""),
  kind: str.default(""),
  name: str.default(""),
  uid: str.default(""),
  controller: bool,
  blockOwnerDeletion: bool,
});
export type OwnerReference = z.infer<typeof ownerReferenceSchema>;

export const managedFieldsEntrySchema = struct("ManagedFieldsEntry", {
  manager: str,
  operation: managedFieldsOperation,
  apiVersion: str,
  time: time,
  fieldsType: managedFieldsType,
  fieldsV1: freeform,
  subresource: str,
});
export type ManagedFieldsEntry = z.infer<typeof managedFieldsEntrySchema>;

export const objectMetaSchema = struct("ObjectMeta", {
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: str,
  resourceVersion: str,
  generation: int64,
  creationTimestamp: time,
  deletionTimestamp: time,
  deletionGracePeriodSeconds: int64,
  labels: strMap,
  annotations: strMap,
  ownerReferences: z.array(ownerReferenceSchema),
  finalizers: strList,
  managedFields: z.array(managedFieldsEntrySchema),
});
export type ObjectMeta = z.infer<typeof objectMetaSchema>;

export const labelSelectorRequirementSchema = struct("LabelSelectorRequirement", {
  key: str,
  operator: str,
  values: strList,
});
export type LabelSelectorRequirement = z.infer<typeof labelSelectorRequirementSchema>;

export const labelSelectorSchema = struct("LabelSelector", {
  matchLabels: strMap,
  matchExpressions: z.array(labelSelectorRequirementSchema),
});
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

export const conditionSchema = struct("Condition", {
  type: str,
  status: str,
  observedGeneration: int64,
  lastTransitionTime: time,
  reason: str,
  message: str,
});
export type Condition = z.infer<typeof conditionSchema>;

export const preconditionsSchema = struct("Preconditions", {
  uid: str,
  resourceVersion: str,
});
export type Preconditions = z.infer<typeof preconditionsSchema>;

export const deleteOptionsSchema = struct("DeleteOptions", {
  apiVersion: str,
  kind: str,
  gracePeriodSeconds: int64,
  preconditions: preconditionsSchema,
  orphanDependents: bool,
  propagationPolicy: str,
  dryRun: strList,
  ignoreStoreReadErrorWithClusterBreakingPotential: bool,
});
export type DeleteOptions = z.infer<typeof deleteOptionsSchema>;

/**
 * A top-level kind: TypeMeta and ObjectMeta plus its own fields. apiVersion, kind and metadata are
 * always present once decoded (decode fills apiVersion/kind from the URL), as KubeObject requires.
 */
export function kind<S extends Shape>(goName: string, shape: S) {
  return struct(goName, {
    apiVersion: str.default(""),
    kind: str.default(""),
    metadata: objectMetaSchema.prefault({}),
    ...shape,
  });
}
