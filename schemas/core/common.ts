// core/v1 references and selectors used by several kinds (pods, nodes, runtime classes, events).
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { int32, int64, quantity, str, strList, struct } from "../kit.ts";

export const localObjectReferenceSchema = struct("LocalObjectReference", {
  name: str,
});
export type LocalObjectReference = z.infer<typeof localObjectReferenceSchema>;

export const objectReferenceSchema = struct("ObjectReference", {
  kind: str,
  namespace: str,
  name: str,
  uid: str,
  apiVersion: str,
  resourceVersion: str,
  fieldPath: str,
});
export type ObjectReference = z.infer<typeof objectReferenceSchema>;

export const typedLocalObjectReferenceSchema = struct("TypedLocalObjectReference", {
  apiGroup: str,
  kind: str,
  name: str,
});
export type TypedLocalObjectReference = z.infer<typeof typedLocalObjectReferenceSchema>;

export const typedObjectReferenceSchema = struct("TypedObjectReference", {
  apiGroup: str,
  kind: str,
  name: str,
  namespace: str,
});
export type TypedObjectReference = z.infer<typeof typedObjectReferenceSchema>;

export const objectFieldSelectorSchema = struct("ObjectFieldSelector", {
  apiVersion: str,
  fieldPath: str,
});
export type ObjectFieldSelector = z.infer<typeof objectFieldSelectorSchema>;

export const resourceFieldSelectorSchema = struct("ResourceFieldSelector", {
  containerName: str,
  resource: str,
  divisor: quantity,
});
export type ResourceFieldSelector = z.infer<typeof resourceFieldSelectorSchema>;

export const keyToPathSchema = struct("KeyToPath", {
  key: str,
  path: str,
  mode: int32,
});
export type KeyToPath = z.infer<typeof keyToPathSchema>;

export const tolerationSchema = struct("Toleration", {
  key: str,
  operator: str,
  value: str,
  effect: str,
  tolerationSeconds: int64,
});
export type Toleration = z.infer<typeof tolerationSchema>;

export const nodeSelectorRequirementSchema = struct("NodeSelectorRequirement", {
  key: str,
  operator: str,
  values: strList,
});
export type NodeSelectorRequirement = z.infer<typeof nodeSelectorRequirementSchema>;

export const nodeSelectorTermSchema = struct("NodeSelectorTerm", {
  matchExpressions: z.array(nodeSelectorRequirementSchema),
  matchFields: z.array(nodeSelectorRequirementSchema),
});
export type NodeSelectorTerm = z.infer<typeof nodeSelectorTermSchema>;

export const nodeSelectorSchema = struct("NodeSelector", {
  nodeSelectorTerms: z.array(nodeSelectorTermSchema),
});
export type NodeSelector = z.infer<typeof nodeSelectorSchema>;
