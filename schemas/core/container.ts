// core/v1 Container: ports, env, resources, mounts.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { bool, int32, resourceList, str, strList, struct } from "../kit.ts";
import { objectFieldSelectorSchema, resourceFieldSelectorSchema } from "./common.ts";
import { lifecycleSchema, probeSchema } from "./probe.ts";
import { securityContextSchema } from "./security.ts";

export const containerPortSchema = struct("ContainerPort", {
  name: str,
  hostPort: int32,
  containerPort: int32,
  protocol: str,
  hostIP: str,
});
export type ContainerPort = z.infer<typeof containerPortSchema>;

export const configMapEnvSourceSchema = struct("ConfigMapEnvSource", {
  name: str,
  optional: bool,
});
export type ConfigMapEnvSource = z.infer<typeof configMapEnvSourceSchema>;

export const secretEnvSourceSchema = struct("SecretEnvSource", {
  name: str,
  optional: bool,
});
export type SecretEnvSource = z.infer<typeof secretEnvSourceSchema>;

export const envFromSourceSchema = struct("EnvFromSource", {
  prefix: str,
  configMapRef: configMapEnvSourceSchema,
  secretRef: secretEnvSourceSchema,
});
export type EnvFromSource = z.infer<typeof envFromSourceSchema>;

export const configMapKeySelectorSchema = struct("ConfigMapKeySelector", {
  name: str,
  key: str,
  optional: bool,
});
export type ConfigMapKeySelector = z.infer<typeof configMapKeySelectorSchema>;

export const secretKeySelectorSchema = struct("SecretKeySelector", {
  name: str,
  key: str,
  optional: bool,
});
export type SecretKeySelector = z.infer<typeof secretKeySelectorSchema>;

export const fileKeySelectorSchema = struct("FileKeySelector", {
  volumeName: str,
  path: str,
  key: str,
  optional: bool,
});
export type FileKeySelector = z.infer<typeof fileKeySelectorSchema>;

export const envVarSourceSchema = struct("EnvVarSource", {
  fieldRef: objectFieldSelectorSchema,
  resourceFieldRef: resourceFieldSelectorSchema,
  configMapKeyRef: configMapKeySelectorSchema,
  secretKeyRef: secretKeySelectorSchema,
  fileKeyRef: fileKeySelectorSchema,
});
export type EnvVarSource = z.infer<typeof envVarSourceSchema>;

export const envVarSchema = struct("EnvVar", {
  name: str,
  value: str,
  valueFrom: envVarSourceSchema,
});
export type EnvVar = z.infer<typeof envVarSchema>;

export const resourceClaimSchema = struct("ResourceClaim", {
  name: str,
  request: str,
});
export type ResourceClaim = z.infer<typeof resourceClaimSchema>;

export const resourceRequirementsSchema = struct("ResourceRequirements", {
  limits: resourceList,
  requests: resourceList,
  claims: z.array(resourceClaimSchema),
});
export type ResourceRequirements = z.infer<typeof resourceRequirementsSchema>;

export const containerResizePolicySchema = struct("ContainerResizePolicy", {
  resourceName: str,
  restartPolicy: str,
});
export type ContainerResizePolicy = z.infer<typeof containerResizePolicySchema>;

export const containerRestartRuleOnExitCodesSchema = struct("ContainerRestartRuleOnExitCodes", {
  operator: str,
  values: z.array(int32),
});
export type ContainerRestartRuleOnExitCodes = z.infer<typeof containerRestartRuleOnExitCodesSchema>;

export const containerRestartRuleSchema = struct("ContainerRestartRule", {
  action: str,
  exitCodes: containerRestartRuleOnExitCodesSchema,
});
export type ContainerRestartRule = z.infer<typeof containerRestartRuleSchema>;

export const volumeMountSchema = struct("VolumeMount", {
  name: str,
  readOnly: bool,
  recursiveReadOnly: str,
  mountPath: str,
  subPath: str,
  mountPropagation: str,
  subPathExpr: str,
});
export type VolumeMount = z.infer<typeof volumeMountSchema>;

export const volumeDeviceSchema = struct("VolumeDevice", {
  name: str,
  devicePath: str,
});
export type VolumeDevice = z.infer<typeof volumeDeviceSchema>;

export const containerSchema = struct("Container", {
  name: str,
  image: str,
  command: strList,
  args: strList,
  workingDir: str,
  ports: z.array(containerPortSchema),
  envFrom: z.array(envFromSourceSchema),
  env: z.array(envVarSchema),
  resources: resourceRequirementsSchema,
  resizePolicy: z.array(containerResizePolicySchema),
  restartPolicy: str,
  restartPolicyRules: z.array(containerRestartRuleSchema),
  volumeMounts: z.array(volumeMountSchema),
  volumeDevices: z.array(volumeDeviceSchema),
  livenessProbe: probeSchema,
  readinessProbe: probeSchema,
  startupProbe: probeSchema,
  lifecycle: lifecycleSchema,
  terminationMessagePath: str,
  terminationMessagePolicy: str,
  imagePullPolicy: str,
  securityContext: securityContextSchema,
  stdin: bool,
  stdinOnce: bool,
  tty: bool,
});
export type Container = z.infer<typeof containerSchema>;

export const ephemeralContainerSchema = struct("EphemeralContainer", {
  name: str,
  image: str,
  command: strList,
  args: strList,
  workingDir: str,
  ports: z.array(containerPortSchema),
  envFrom: z.array(envFromSourceSchema),
  env: z.array(envVarSchema),
  resources: resourceRequirementsSchema,
  resizePolicy: z.array(containerResizePolicySchema),
  restartPolicy: str,
  restartPolicyRules: z.array(containerRestartRuleSchema),
  volumeMounts: z.array(volumeMountSchema),
  volumeDevices: z.array(volumeDeviceSchema),
  livenessProbe: probeSchema,
  readinessProbe: probeSchema,
  startupProbe: probeSchema,
  lifecycle: lifecycleSchema,
  terminationMessagePath: str,
  terminationMessagePolicy: str,
  imagePullPolicy: str,
  securityContext: securityContextSchema,
  stdin: bool,
  stdinOnce: bool,
  tty: bool,
  targetContainerName: str,
});
export type EphemeralContainer = z.infer<typeof ephemeralContainerSchema>;
