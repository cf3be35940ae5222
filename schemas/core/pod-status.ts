// core/v1 PodStatus: written by the node agent and the scheduler.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { bool, int32, int64, resourceList, str, struct, time } from "../kit.ts";
import { resourceRequirementsSchema } from "./container.ts";

export const podConditionSchema = struct("PodCondition", {
  type: str,
  observedGeneration: int64,
  status: str,
  lastProbeTime: time,
  lastTransitionTime: time,
  reason: str,
  message: str,
});
export type PodCondition = z.infer<typeof podConditionSchema>;

export const hostIPSchema = struct("HostIP", {
  ip: str,
});
export type HostIP = z.infer<typeof hostIPSchema>;

export const podIPSchema = struct("PodIP", {
  ip: str,
});
export type PodIP = z.infer<typeof podIPSchema>;

export const containerStateWaitingSchema = struct("ContainerStateWaiting", {
  reason: str,
  message: str,
});
export type ContainerStateWaiting = z.infer<typeof containerStateWaitingSchema>;

export const containerStateRunningSchema = struct("ContainerStateRunning", {
  startedAt: time,
});
export type ContainerStateRunning = z.infer<typeof containerStateRunningSchema>;

export const containerStateTerminatedSchema = struct("ContainerStateTerminated", {
  exitCode: int32,
  signal: int32,
  reason: str,
  message: str,
  startedAt: time,
  finishedAt: time,
  containerID: str,
});
export type ContainerStateTerminated = z.infer<typeof containerStateTerminatedSchema>;

export const containerStateSchema = struct("ContainerState", {
  waiting: containerStateWaitingSchema,
  running: containerStateRunningSchema,
  terminated: containerStateTerminatedSchema,
});
export type ContainerState = z.infer<typeof containerStateSchema>;

export const volumeMountStatusSchema = struct("VolumeMountStatus", {
  name: str,
  mountPath: str,
  readOnly: bool,
  recursiveReadOnly: str,
});
export type VolumeMountStatus = z.infer<typeof volumeMountStatusSchema>;

export const linuxContainerUserSchema = struct("LinuxContainerUser", {
  uid: int64,
  gid: int64,
  supplementalGroups: z.array(int64),
});
export type LinuxContainerUser = z.infer<typeof linuxContainerUserSchema>;

export const containerUserSchema = struct("ContainerUser", {
  linux: linuxContainerUserSchema,
});
export type ContainerUser = z.infer<typeof containerUserSchema>;

export const resourceHealthSchema = struct("ResourceHealth", {
  resourceID: str,
  health: str,
});
export type ResourceHealth = z.infer<typeof resourceHealthSchema>;

export const resourceStatusSchema = struct("ResourceStatus", {
  name: str,
  resources: z.array(resourceHealthSchema),
});
export type ResourceStatus = z.infer<typeof resourceStatusSchema>;

export const containerExtendedResourceRequestSchema = struct("ContainerExtendedResourceRequest", {
  containerName: str,
  resourceName: str,
  requestName: str,
});
export type ContainerExtendedResourceRequest = z.infer<typeof containerExtendedResourceRequestSchema>;

export const podExtendedResourceClaimStatusSchema = struct("PodExtendedResourceClaimStatus", {
  requestMappings: z.array(containerExtendedResourceRequestSchema),
  resourceClaimName: str,
});
export type PodExtendedResourceClaimStatus = z.infer<typeof podExtendedResourceClaimStatusSchema>;

export const podResourceClaimStatusSchema = struct("PodResourceClaimStatus", {
  name: str,
  resourceClaimName: str,
});
export type PodResourceClaimStatus = z.infer<typeof podResourceClaimStatusSchema>;

export const containerStatusSchema = struct("ContainerStatus", {
  name: str,
  state: containerStateSchema,
  lastState: containerStateSchema,
  ready: bool,
  restartCount: int32,
  image: str,
  imageID: str,
  containerID: str,
  started: bool,
  allocatedResources: resourceList,
  resources: resourceRequirementsSchema,
  volumeMounts: z.array(volumeMountStatusSchema),
  user: containerUserSchema,
  allocatedResourcesStatus: z.array(resourceStatusSchema),
  stopSignal: str,
});
export type ContainerStatus = z.infer<typeof containerStatusSchema>;

export const podStatusSchema = struct("PodStatus", {
  observedGeneration: int64,
  phase: str,
  conditions: z.array(podConditionSchema),
  message: str,
  reason: str,
  nominatedNodeName: str,
  hostIP: str,
  hostIPs: z.array(hostIPSchema),
  podIP: str,
  podIPs: z.array(podIPSchema),
  startTime: time,
  initContainerStatuses: z.array(containerStatusSchema),
  containerStatuses: z.array(containerStatusSchema),
  qosClass: str,
  ephemeralContainerStatuses: z.array(containerStatusSchema),
  resize: str,
  resourceClaimStatuses: z.array(podResourceClaimStatusSchema),
  extendedResourceClaimStatus: podExtendedResourceClaimStatusSchema,
  allocatedResources: resourceList,
  resources: resourceRequirementsSchema,
});
export type PodStatus = z.infer<typeof podStatusSchema>;
