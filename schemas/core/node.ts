// core/v1 Node: spec (taints, podCIDR) and the status the node agent reports.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { bool, int32, int64, resourceList, str, strList, struct, time } from "../kit.ts";
import { kind } from "../meta.ts";

export const taintSchema = struct("Taint", {
  key: str,
  value: str,
  effect: str,
  timeAdded: time,
});
export type Taint = z.infer<typeof taintSchema>;

export const configMapNodeConfigSourceSchema = struct("ConfigMapNodeConfigSource", {
  namespace: str,
  name: str,
  uid: str,
  resourceVersion: str,
  kubeletConfigKey: str,
});
export type ConfigMapNodeConfigSource = z.infer<typeof configMapNodeConfigSourceSchema>;

export const nodeConfigSourceSchema = struct("NodeConfigSource", {
  configMap: configMapNodeConfigSourceSchema,
});
export type NodeConfigSource = z.infer<typeof nodeConfigSourceSchema>;

export const nodeSpecSchema = struct("NodeSpec", {
  podCIDR: str,
  podCIDRs: strList,
  providerID: str,
  unschedulable: bool,
  taints: z.array(taintSchema),
  configSource: nodeConfigSourceSchema,
  externalID: str,
});
export type NodeSpec = z.infer<typeof nodeSpecSchema>;

export const nodeConditionSchema = struct("NodeCondition", {
  type: str,
  status: str,
  lastHeartbeatTime: time,
  lastTransitionTime: time,
  reason: str,
  message: str,
});
export type NodeCondition = z.infer<typeof nodeConditionSchema>;

export const nodeAddressSchema = struct("NodeAddress", {
  type: str,
  address: str,
});
export type NodeAddress = z.infer<typeof nodeAddressSchema>;

export const daemonEndpointSchema = struct("DaemonEndpoint", {
  Port: int32,
});
export type DaemonEndpoint = z.infer<typeof daemonEndpointSchema>;

export const nodeDaemonEndpointsSchema = struct("NodeDaemonEndpoints", {
  kubeletEndpoint: daemonEndpointSchema,
});
export type NodeDaemonEndpoints = z.infer<typeof nodeDaemonEndpointsSchema>;

export const nodeSwapStatusSchema = struct("NodeSwapStatus", {
  capacity: int64,
});
export type NodeSwapStatus = z.infer<typeof nodeSwapStatusSchema>;

export const nodeSystemInfoSchema = struct("NodeSystemInfo", {
  machineID: str,
  systemUUID: str,
  bootID: str,
  kernelVersion: str,
  osImage: str,
  containerRuntimeVersion: str,
  kubeletVersion: str,
  kubeProxyVersion: str,
  operatingSystem: str,
  architecture: str,
  swap: nodeSwapStatusSchema,
});
export type NodeSystemInfo = z.infer<typeof nodeSystemInfoSchema>;

export const containerImageSchema = struct("ContainerImage", {
  names: strList,
  sizeBytes: int64,
});
export type ContainerImage = z.infer<typeof containerImageSchema>;

export const attachedVolumeSchema = struct("AttachedVolume", {
  name: str,
  devicePath: str,
});
export type AttachedVolume = z.infer<typeof attachedVolumeSchema>;

export const nodeConfigStatusSchema = struct("NodeConfigStatus", {
  assigned: nodeConfigSourceSchema,
  active: nodeConfigSourceSchema,
  lastKnownGood: nodeConfigSourceSchema,
  error: str,
});
export type NodeConfigStatus = z.infer<typeof nodeConfigStatusSchema>;

export const nodeRuntimeHandlerFeaturesSchema = struct("NodeRuntimeHandlerFeatures", {
  recursiveReadOnlyMounts: bool,
  userNamespaces: bool,
});
export type NodeRuntimeHandlerFeatures = z.infer<typeof nodeRuntimeHandlerFeaturesSchema>;

export const nodeRuntimeHandlerSchema = struct("NodeRuntimeHandler", {
  name: str,
  features: nodeRuntimeHandlerFeaturesSchema,
});
export type NodeRuntimeHandler = z.infer<typeof nodeRuntimeHandlerSchema>;

export const nodeFeaturesSchema = struct("NodeFeatures", {
  supplementalGroupsPolicy: bool,
});
export type NodeFeatures = z.infer<typeof nodeFeaturesSchema>;

export const nodeStatusSchema = struct("NodeStatus", {
  capacity: resourceList,
  allocatable: resourceList,
  phase: str,
  conditions: z.array(nodeConditionSchema),
  addresses: z.array(nodeAddressSchema),
  daemonEndpoints: nodeDaemonEndpointsSchema,
  nodeInfo: nodeSystemInfoSchema,
  images: z.array(containerImageSchema),
  volumesInUse: z.array(str),
  volumesAttached: z.array(attachedVolumeSchema),
  config: nodeConfigStatusSchema,
  runtimeHandlers: z.array(nodeRuntimeHandlerSchema),
  features: nodeFeaturesSchema,
  declaredFeatures: strList,
});
export type NodeStatus = z.infer<typeof nodeStatusSchema>;

export const nodeSchema = kind("Node", {
  spec: nodeSpecSchema,
  status: nodeStatusSchema,
});
export type Node = z.infer<typeof nodeSchema>;
