// core/v1 Volume and its common sources (hostPath, emptyDir, configMap, secret, projected, PVC).
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { bool, int32, int64, quantity, str, strMap, struct } from "../kit.ts";
import { labelSelectorSchema } from "../meta.ts";
import { keyToPathSchema, objectFieldSelectorSchema, resourceFieldSelectorSchema } from "./common.ts";
import {
  awsElasticBlockStoreVolumeSourceSchema,
  azureDiskVolumeSourceSchema,
  azureFileVolumeSourceSchema,
  cephFSVolumeSourceSchema,
  cinderVolumeSourceSchema,
  csiVolumeSourceSchema,
  ephemeralVolumeSourceSchema,
  fcVolumeSourceSchema,
  flexVolumeSourceSchema,
  flockerVolumeSourceSchema,
  gcePersistentDiskVolumeSourceSchema,
  gitRepoVolumeSourceSchema,
  glusterfsVolumeSourceSchema,
  imageVolumeSourceSchema,
  iscsiVolumeSourceSchema,
  nfsVolumeSourceSchema,
  photonPersistentDiskVolumeSourceSchema,
  portworxVolumeSourceSchema,
  quobyteVolumeSourceSchema,
  rbdVolumeSourceSchema,
  scaleIOVolumeSourceSchema,
  storageOSVolumeSourceSchema,
  vsphereVirtualDiskVolumeSourceSchema,
} from "./volume-sources.ts";

export const hostPathVolumeSourceSchema = struct("HostPathVolumeSource", {
  path: str,
  type: str,
});
export type HostPathVolumeSource = z.infer<typeof hostPathVolumeSourceSchema>;

export const emptyDirVolumeSourceSchema = struct("EmptyDirVolumeSource", {
  medium: str,
  sizeLimit: quantity,
});
export type EmptyDirVolumeSource = z.infer<typeof emptyDirVolumeSourceSchema>;

export const secretVolumeSourceSchema = struct("SecretVolumeSource", {
  secretName: str,
  items: z.array(keyToPathSchema),
  defaultMode: int32,
  optional: bool,
});
export type SecretVolumeSource = z.infer<typeof secretVolumeSourceSchema>;

export const persistentVolumeClaimVolumeSourceSchema = struct("PersistentVolumeClaimVolumeSource", {
  claimName: str,
  readOnly: bool,
});
export type PersistentVolumeClaimVolumeSource = z.infer<typeof persistentVolumeClaimVolumeSourceSchema>;

export const downwardAPIVolumeFileSchema = struct("DownwardAPIVolumeFile", {
  path: str,
  fieldRef: objectFieldSelectorSchema,
  resourceFieldRef: resourceFieldSelectorSchema,
  mode: int32,
});
export type DownwardAPIVolumeFile = z.infer<typeof downwardAPIVolumeFileSchema>;

export const downwardAPIVolumeSourceSchema = struct("DownwardAPIVolumeSource", {
  items: z.array(downwardAPIVolumeFileSchema),
  defaultMode: int32,
});
export type DownwardAPIVolumeSource = z.infer<typeof downwardAPIVolumeSourceSchema>;

export const configMapVolumeSourceSchema = struct("ConfigMapVolumeSource", {
  name: str,
  items: z.array(keyToPathSchema),
  defaultMode: int32,
  optional: bool,
});
export type ConfigMapVolumeSource = z.infer<typeof configMapVolumeSourceSchema>;

export const secretProjectionSchema = struct("SecretProjection", {
  name: str,
  items: z.array(keyToPathSchema),
  optional: bool,
});
export type SecretProjection = z.infer<typeof secretProjectionSchema>;

export const downwardAPIProjectionSchema = struct("DownwardAPIProjection", {
  items: z.array(downwardAPIVolumeFileSchema),
});
export type DownwardAPIProjection = z.infer<typeof downwardAPIProjectionSchema>;

export const configMapProjectionSchema = struct("ConfigMapProjection", {
  name: str,
  items: z.array(keyToPathSchema),
  optional: bool,
});
export type ConfigMapProjection = z.infer<typeof configMapProjectionSchema>;

export const serviceAccountTokenProjectionSchema = struct("ServiceAccountTokenProjection", {
  audience: str,
  expirationSeconds: int64,
  path: str,
});
export type ServiceAccountTokenProjection = z.infer<typeof serviceAccountTokenProjectionSchema>;

export const clusterTrustBundleProjectionSchema = struct("ClusterTrustBundleProjection", {
  name: str,
  signerName: str,
  labelSelector: labelSelectorSchema,
  optional: bool,
  path: str,
});
export type ClusterTrustBundleProjection = z.infer<typeof clusterTrustBundleProjectionSchema>;

export const podCertificateProjectionSchema = struct("PodCertificateProjection", {
  signerName: str,
  keyType: str,
  maxExpirationSeconds: int32,
  credentialBundlePath: str,
  keyPath: str,
  certificateChainPath: str,
  userAnnotations: strMap,
});
export type PodCertificateProjection = z.infer<typeof podCertificateProjectionSchema>;

export const volumeProjectionSchema = struct("VolumeProjection", {
  secret: secretProjectionSchema,
  downwardAPI: downwardAPIProjectionSchema,
  configMap: configMapProjectionSchema,
  serviceAccountToken: serviceAccountTokenProjectionSchema,
  clusterTrustBundle: clusterTrustBundleProjectionSchema,
  podCertificate: podCertificateProjectionSchema,
});
export type VolumeProjection = z.infer<typeof volumeProjectionSchema>;

export const projectedVolumeSourceSchema = struct("ProjectedVolumeSource", {
  sources: z.array(volumeProjectionSchema),
  defaultMode: int32,
});
export type ProjectedVolumeSource = z.infer<typeof projectedVolumeSourceSchema>;

export const volumeSchema = struct("Volume", {
  name: str,
  hostPath: hostPathVolumeSourceSchema,
  emptyDir: emptyDirVolumeSourceSchema,
  gcePersistentDisk: gcePersistentDiskVolumeSourceSchema,
  awsElasticBlockStore: awsElasticBlockStoreVolumeSourceSchema,
  gitRepo: gitRepoVolumeSourceSchema,
  secret: secretVolumeSourceSchema,
  nfs: nfsVolumeSourceSchema,
  iscsi: iscsiVolumeSourceSchema,
  glusterfs: glusterfsVolumeSourceSchema,
  persistentVolumeClaim: persistentVolumeClaimVolumeSourceSchema,
  rbd: rbdVolumeSourceSchema,
  flexVolume: flexVolumeSourceSchema,
  cinder: cinderVolumeSourceSchema,
  cephfs: cephFSVolumeSourceSchema,
  flocker: flockerVolumeSourceSchema,
  downwardAPI: downwardAPIVolumeSourceSchema,
  fc: fcVolumeSourceSchema,
  azureFile: azureFileVolumeSourceSchema,
  configMap: configMapVolumeSourceSchema,
  vsphereVolume: vsphereVirtualDiskVolumeSourceSchema,
  quobyte: quobyteVolumeSourceSchema,
  azureDisk: azureDiskVolumeSourceSchema,
  photonPersistentDisk: photonPersistentDiskVolumeSourceSchema,
  projected: projectedVolumeSourceSchema,
  portworxVolume: portworxVolumeSourceSchema,
  scaleIO: scaleIOVolumeSourceSchema,
  storageos: storageOSVolumeSourceSchema,
  csi: csiVolumeSourceSchema,
  ephemeral: ephemeralVolumeSourceSchema,
  image: imageVolumeSourceSchema,
});
export type Volume = z.infer<typeof volumeSchema>;
