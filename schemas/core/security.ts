// core/v1 container and pod security contexts.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { bool, int64, str, struct } from "../kit.ts";

export const capabilitiesSchema = struct("Capabilities", {
  add: z.array(str),
  drop: z.array(str),
});
export type Capabilities = z.infer<typeof capabilitiesSchema>;

export const seLinuxOptionsSchema = struct("SELinuxOptions", {
  user: str,
  role: str,
  type: str,
  level: str,
});
export type SELinuxOptions = z.infer<typeof seLinuxOptionsSchema>;

export const windowsSecurityContextOptionsSchema = struct("WindowsSecurityContextOptions", {
  gmsaCredentialSpecName: str,
  gmsaCredentialSpec: str,
  runAsUserName: str,
  hostProcess: bool,
});
export type WindowsSecurityContextOptions = z.infer<typeof windowsSecurityContextOptionsSchema>;

export const seccompProfileSchema = struct("SeccompProfile", {
  type: str,
  localhostProfile: str,
});
export type SeccompProfile = z.infer<typeof seccompProfileSchema>;

export const appArmorProfileSchema = struct("AppArmorProfile", {
  type: str,
  localhostProfile: str,
});
export type AppArmorProfile = z.infer<typeof appArmorProfileSchema>;

export const securityContextSchema = struct("SecurityContext", {
  capabilities: capabilitiesSchema,
  privileged: bool,
  seLinuxOptions: seLinuxOptionsSchema,
  windowsOptions: windowsSecurityContextOptionsSchema,
  runAsUser: int64,
  runAsGroup: int64,
  runAsNonRoot: bool,
  readOnlyRootFilesystem: bool,
  allowPrivilegeEscalation: bool,
  procMount: str,
  seccompProfile: seccompProfileSchema,
  appArmorProfile: appArmorProfileSchema,
});
export type SecurityContext = z.infer<typeof securityContextSchema>;

export const sysctlSchema = struct("Sysctl", {
  name: str,
  value: str,
});
export type Sysctl = z.infer<typeof sysctlSchema>;

export const podSecurityContextSchema = struct("PodSecurityContext", {
  seLinuxOptions: seLinuxOptionsSchema,
  windowsOptions: windowsSecurityContextOptionsSchema,
  runAsUser: int64,
  runAsGroup: int64,
  runAsNonRoot: bool,
  supplementalGroups: z.array(int64),
  supplementalGroupsPolicy: str,
  fsGroup: int64,
  sysctls: z.array(sysctlSchema),
  fsGroupChangePolicy: str,
  seccompProfile: seccompProfileSchema,
  appArmorProfile: appArmorProfileSchema,
  seLinuxChangePolicy: str,
});
export type PodSecurityContext = z.infer<typeof podSecurityContextSchema>;
