// core/v1 PodSpec and PodTemplateSpec (the template Deployments and ReplicaSets carry).
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { bool, int32, int64, resourceList, str, strList, strMap, struct } from "../kit.ts";
import { objectMetaSchema } from "../meta.ts";
import { affinitySchema, topologySpreadConstraintSchema } from "./affinity.ts";
import { localObjectReferenceSchema, tolerationSchema } from "./common.ts";
import { containerSchema, ephemeralContainerSchema, resourceRequirementsSchema } from "./container.ts";
import { podSecurityContextSchema } from "./security.ts";
import { volumeSchema } from "./volume.ts";

export const hostAliasSchema = struct("HostAlias", {
  ip: str,
  hostnames: strList,
});
export type HostAlias = z.infer<typeof hostAliasSchema>;

export const podDNSConfigOptionSchema = struct("PodDNSConfigOption", {
  name: str,
  value: str,
});
export type PodDNSConfigOption = z.infer<typeof podDNSConfigOptionSchema>;

export const podDNSConfigSchema = struct("PodDNSConfig", {
  nameservers: strList,
  searches: strList,
  options: z.array(podDNSConfigOptionSchema),
});
export type PodDNSConfig = z.infer<typeof podDNSConfigSchema>;

export const podReadinessGateSchema = struct("PodReadinessGate", {
  conditionType: str,
});
export type PodReadinessGate = z.infer<typeof podReadinessGateSchema>;

export const podOSSchema = struct("PodOS", {
  name: str,
});
export type PodOS = z.infer<typeof podOSSchema>;

export const podSchedulingGateSchema = struct("PodSchedulingGate", {
  name: str,
});
export type PodSchedulingGate = z.infer<typeof podSchedulingGateSchema>;

export const podResourceClaimSchema = struct("PodResourceClaim", {
  name: str,
  resourceClaimName: str,
  resourceClaimTemplateName: str,
});
export type PodResourceClaim = z.infer<typeof podResourceClaimSchema>;

export const workloadReferenceSchema = struct("WorkloadReference", {
  name: str,
  podGroup: str,
  podGroupReplicaKey: str,
});
export type WorkloadReference = z.infer<typeof workloadReferenceSchema>;

export const podSpecSchema = struct("PodSpec", {
  volumes: z.array(volumeSchema),
  initContainers: z.array(containerSchema),
  containers: z.array(containerSchema),
  ephemeralContainers: z.array(ephemeralContainerSchema),
  restartPolicy: str,
  terminationGracePeriodSeconds: int64,
  activeDeadlineSeconds: int64,
  dnsPolicy: str,
  nodeSelector: strMap,
  serviceAccountName: str,
  serviceAccount: str,
  automountServiceAccountToken: bool,
  nodeName: str,
  hostNetwork: bool,
  hostPID: bool,
  hostIPC: bool,
  shareProcessNamespace: bool,
  securityContext: podSecurityContextSchema,
  imagePullSecrets: z.array(localObjectReferenceSchema),
  hostname: str,
  subdomain: str,
  affinity: affinitySchema,
  schedulerName: str,
  tolerations: z.array(tolerationSchema),
  hostAliases: z.array(hostAliasSchema),
  priorityClassName: str,
  priority: int32,
  dnsConfig: podDNSConfigSchema,
  readinessGates: z.array(podReadinessGateSchema),
  runtimeClassName: str,
  enableServiceLinks: bool,
  preemptionPolicy: str,
  overhead: resourceList,
  topologySpreadConstraints: z.array(topologySpreadConstraintSchema),
  setHostnameAsFQDN: bool,
  os: podOSSchema,
  hostUsers: bool,
  schedulingGates: z.array(podSchedulingGateSchema),
  resourceClaims: z.array(podResourceClaimSchema),
  resources: resourceRequirementsSchema,
  hostnameOverride: str,
  workloadRef: workloadReferenceSchema,
});
export type PodSpec = z.infer<typeof podSpecSchema>;

export const podTemplateSpecSchema = struct("PodTemplateSpec", {
  metadata: objectMetaSchema,
  spec: podSpecSchema,
});
export type PodTemplateSpec = z.infer<typeof podTemplateSpecSchema>;
