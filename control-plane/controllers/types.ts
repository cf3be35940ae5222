// What every controller plan speaks: pure functions from what is desired and observed to the
// writes that converge them (kube-controller-manager's sync loops, with the I/O taken out). The
// controller host reads the objects a key needs, calls the plan, and performs its actions through
// the store with the same validation HTTP clients get; a conflict just requeues the key.

import type { KubeObject } from "../../schemas/object.ts";

/** Which resource an action is about (the same shape as the store's ResourceRef). */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
}

export const PODS: ResourceRef = { group: "", version: "v1", plural: "pods" };
export const NODES: ResourceRef = { group: "", version: "v1", plural: "nodes" };
export const NAMESPACES: ResourceRef = { group: "", version: "v1", plural: "namespaces" };
export const EVENTS: ResourceRef = { group: "", version: "v1", plural: "events" };
export const SERVICES: ResourceRef = { group: "", version: "v1", plural: "services" };
export const ENDPOINTS: ResourceRef = { group: "", version: "v1", plural: "endpoints" };
export const INGRESSES: ResourceRef = { group: "networking.k8s.io", version: "v1", plural: "ingresses" };
export const ENDPOINTSLICES: ResourceRef = { group: "discovery.k8s.io", version: "v1", plural: "endpointslices" };
export const LEASES: ResourceRef = { group: "coordination.k8s.io", version: "v1", plural: "leases" };
export const DEPLOYMENTS: ResourceRef = { group: "apps", version: "v1", plural: "deployments" };
export const REPLICASETS: ResourceRef = { group: "apps", version: "v1", plural: "replicasets" };

/** An event to record about an object (the host deduplicates and counts them, as upstream's recorder). */
export interface EventSpec {
  /** The object the event is about (its kind, apiVersion, namespace, name, uid are used). */
  regarding: KubeObject;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** The component reporting it: "deployment-controller", "replicaset-controller", "default-scheduler"... */
  source: string;
}

export type Action =
  /** Create an object (metadata.generateName allowed). */
  | { type: "create"; resource: ResourceRef; object: KubeObject }
  /** Replace an object; its metadata.resourceVersion is the precondition (a conflict requeues). */
  | { type: "update"; resource: ResourceRef; object: KubeObject }
  /** Replace an object's status only; metadata.resourceVersion is the precondition. */
  | { type: "updateStatus"; resource: ResourceRef; object: KubeObject }
  /** Delete an object; uid (when given) is a precondition, as upstream controllers use. */
  | {
      type: "delete";
      resource: ResourceRef;
      namespace: string;
      name: string;
      uid?: string;
      gracePeriodSeconds?: number;
      propagationPolicy?: "Orphan" | "Background" | "Foreground";
    }
  /** Bind a pod to a node (pods/binding). */
  | { type: "bind"; namespace: string; name: string; uid: string; nodeName: string }
  | { type: "event"; event: EventSpec }
  /** Sync this controller's key again after `afterMs` (minReadySeconds, deadlines, backoff, grace periods). */
  | { type: "requeue"; afterMs: number };
