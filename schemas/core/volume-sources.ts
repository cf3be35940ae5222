// core/v1 volume sources that a home-lab cluster rarely uses (cloud disks, CSI, ephemeral claims): kept
// strict anyway, so a misspelt field is reported rather than silently dropped.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { bool, int32, resourceList, str, strList, strMap, struct } from "../kit.ts";
import { labelSelectorSchema, objectMetaSchema } from "../meta.ts";
import { localObjectReferenceSchema, typedLocalObjectReferenceSchema, typedObjectReferenceSchema } from "./common.ts";

export const gcePersistentDiskVolumeSourceSchema = struct("GCEPersistentDiskVolumeSource", {
  pdName: str,
  fsType: str,
  partition: int32,
  readOnly: bool,
});
export type GCEPersistentDiskVolumeSource = z.infer<typeof gcePersistentDiskVolumeSourceSchema>;

export const awsElasticBlockStoreVolumeSourceSchema = struct("AWSElasticBlockStoreVolumeSource", {
  volumeID: str,
  fsType: str,
  partition: int32,
  readOnly: bool,
});
export type AWSElasticBlockStoreVolumeSource = z.infer<typeof awsElasticBlockStoreVolumeSourceSchema>;

export const gitRepoVolumeSourceSchema = struct("GitRepoVolumeSource", {
  repository: str,
  revision: str,
  directory: str,
});
export type GitRepoVolumeSource = z.infer<typeof gitRepoVolumeSourceSchema>;

export const nfsVolumeSourceSchema = struct("NFSVolumeSource", {
  server: str,
  path: str,
  readOnly: bool,
});
export type NFSVolumeSource = z.infer<typeof nfsVolumeSourceSchema>;

export const iscsiVolumeSourceSchema = struct("ISCSIVolumeSource", {
  targetPortal: str,
  iqn: str,
  lun: int32,
  iscsiInterface: str,
  fsType: str,
  readOnly: bool,
  portals: strList,
  chapAuthDiscovery: bool,
  chapAuthSession: bool,
  secretRef: localObjectReferenceSchema,
  initiatorName: str,
});
export type ISCSIVolumeSource = z.infer<typeof iscsiVolumeSourceSchema>;

export const glusterfsVolumeSourceSchema = struct("GlusterfsVolumeSource", {
  endpoints: str,
  path: str,
  readOnly: bool,
});
export type GlusterfsVolumeSource = z.infer<typeof glusterfsVolumeSourceSchema>;

export const rbdVolumeSourceSchema = struct("RBDVolumeSource", {
  monitors: strList,
  image: str,
  fsType: str,
  pool: str,
  user: str,
  keyring: str,
  secretRef: localObjectReferenceSchema,
  readOnly: bool,
});
export type RBDVolumeSource = z.infer<typeof rbdVolumeSourceSchema>;

export const flexVolumeSourceSchema = struct("FlexVolumeSource", {
  driver: str,
  fsType: str,
  secretRef: localObjectReferenceSchema,
  readOnly: bool,
  options: strMap,
});
export type FlexVolumeSource = z.infer<typeof flexVolumeSourceSchema>;

export const cinderVolumeSourceSchema = struct("CinderVolumeSource", {
  volumeID: str,
  fsType: str,
  readOnly: bool,
  secretRef: localObjectReferenceSchema,
});
export type CinderVolumeSource = z.infer<typeof cinderVolumeSourceSchema>;

export const cephFSVolumeSourceSchema = struct("CephFSVolumeSource", {
  monitors: strList,
  path: str,
  user: str,
  secretFile: str,
  secretRef: localObjectReferenceSchema,
  readOnly: bool,
});
export type CephFSVolumeSource = z.infer<typeof cephFSVolumeSourceSchema>;

export const flockerVolumeSourceSchema = struct("FlockerVolumeSource", {
  datasetName: str,
  datasetUUID: str,
});
export type FlockerVolumeSource = z.infer<typeof flockerVolumeSourceSchema>;

export const fcVolumeSourceSchema = struct("FCVolumeSource", {
  targetWWNs: strList,
  lun: int32,
  fsType: str,
  readOnly: bool,
  wwids: strList,
});
export type FCVolumeSource = z.infer<typeof fcVolumeSourceSchema>;

export const azureFileVolumeSourceSchema = struct("AzureFileVolumeSource", {
  secretName: str,
  shareName: str,
  readOnly: bool,
});
export type AzureFileVolumeSource = z.infer<typeof azureFileVolumeSourceSchema>;

export const vsphereVirtualDiskVolumeSourceSchema = struct("VsphereVirtualDiskVolumeSource", {
  volumePath: str,
  fsType: str,
  storagePolicyName: str,
  storagePolicyID: str,
});
export type VsphereVirtualDiskVolumeSource = z.infer<typeof vsphereVirtualDiskVolumeSourceSchema>;

export const quobyteVolumeSourceSchema = struct("QuobyteVolumeSource", {
  registry: str,
  volume: str,
  readOnly: bool,
  user: str,
  group: str,
  tenant: str,
});
export type QuobyteVolumeSource = z.infer<typeof quobyteVolumeSourceSchema>;

export const azureDiskVolumeSourceSchema = struct("AzureDiskVolumeSource", {
  diskName: str,
  diskURI: str,
  cachingMode: str,
  fsType: str,
  readOnly: bool,
  kind: str,
});
export type AzureDiskVolumeSource = z.infer<typeof azureDiskVolumeSourceSchema>;

export const photonPersistentDiskVolumeSourceSchema = struct("PhotonPersistentDiskVolumeSource", {
  pdID: str,
  fsType: str,
});
export type PhotonPersistentDiskVolumeSource = z.infer<typeof photonPersistentDiskVolumeSourceSchema>;

export const portworxVolumeSourceSchema = struct("PortworxVolumeSource", {
  volumeID: str,
  fsType: str,
  readOnly: bool,
});
export type PortworxVolumeSource = z.infer<typeof portworxVolumeSourceSchema>;

export const scaleIOVolumeSourceSchema = struct("ScaleIOVolumeSource", {
  gateway: str,
  system: str,
  secretRef: localObjectReferenceSchema,
  sslEnabled: bool,
  protectionDomain: str,
  storagePool: str,
  storageMode: str,
  volumeName: str,
  fsType: str,
  readOnly: bool,
});
export type ScaleIOVolumeSource = z.infer<typeof scaleIOVolumeSourceSchema>;

export const storageOSVolumeSourceSchema = struct("StorageOSVolumeSource", {
  volumeName: str,
  volumeNamespace: str,
  fsType: str,
  readOnly: bool,
  secretRef: localObjectReferenceSchema,
});
export type StorageOSVolumeSource = z.infer<typeof storageOSVolumeSourceSchema>;

export const csiVolumeSourceSchema = struct("CSIVolumeSource", {
  driver: str,
  readOnly: bool,
  fsType: str,
  volumeAttributes: strMap,
  nodePublishSecretRef: localObjectReferenceSchema,
});
export type CSIVolumeSource = z.infer<typeof csiVolumeSourceSchema>;

export const volumeResourceRequirementsSchema = struct("VolumeResourceRequirements", {
  limits: resourceList,
  requests: resourceList,
});
export type VolumeResourceRequirements = z.infer<typeof volumeResourceRequirementsSchema>;

export const persistentVolumeClaimSpecSchema = struct("PersistentVolumeClaimSpec", {
  accessModes: z.array(str),
  selector: labelSelectorSchema,
  resources: volumeResourceRequirementsSchema,
  volumeName: str,
  storageClassName: str,
  volumeMode: str,
  dataSource: typedLocalObjectReferenceSchema,
  dataSourceRef: typedObjectReferenceSchema,
  volumeAttributesClassName: str,
});
export type PersistentVolumeClaimSpec = z.infer<typeof persistentVolumeClaimSpecSchema>;

export const persistentVolumeClaimTemplateSchema = struct("PersistentVolumeClaimTemplate", {
  metadata: objectMetaSchema,
  spec: persistentVolumeClaimSpecSchema,
});
export type PersistentVolumeClaimTemplate = z.infer<typeof persistentVolumeClaimTemplateSchema>;

export const ephemeralVolumeSourceSchema = struct("EphemeralVolumeSource", {
  volumeClaimTemplate: persistentVolumeClaimTemplateSchema,
});
export type EphemeralVolumeSource = z.infer<typeof ephemeralVolumeSourceSchema>;

export const imageVolumeSourceSchema = struct("ImageVolumeSource", {
  reference: str,
  pullPolicy: str,
});
export type ImageVolumeSource = z.infer<typeof imageVolumeSourceSchema>;
