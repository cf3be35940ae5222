// Defaults kube-apiserver fills in a PodSpec (pkg/apis/core/v1/defaults.go and the declarative
// +default tags): applied to Pods and to the pod templates of Deployments and ReplicaSets alike.
// Pod-only defaults (requests from limits, enableServiceLinks) are in applyPodOnlyDefaults.

import type { Container, EnvVar, ResourceRequirements } from "../../../schemas/core/container.ts";
import type { PodSpec } from "../../../schemas/core/pod-spec.ts";
import type { HTTPGetAction, LifecycleHandler, Probe } from "../../../schemas/core/probe.ts";
import type { Volume } from "../../../schemas/core/volume.ts";
import { milliRoundedText } from "../../../schemas/quantity.ts";

const VOLUME_SOURCES = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
] as const satisfies readonly (keyof Volume)[];

export { VOLUME_SOURCES };

/** The file mode secret, configMap, downwardAPI and projected volumes get: 0644. */
const DEFAULT_FILE_MODE = 0o644;

/** The tag an image reference names: "latest" when it names none and has no digest. */
export function imageTag(image: string): string {
  const at = image.indexOf("@");
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(":");
  const tag = colon > name.lastIndexOf("/") ? name.slice(colon + 1) : "";
  if (!tag && at < 0) return "latest";
  return tag;
}

export function defaultPullPolicy(image: string): "Always" | "IfNotPresent" {
  return imageTag(image) === "latest" ? "Always" : "IfNotPresent";
}

/** Resource lists are kept to milli precision, rounded up ("0.1m" -> "1m"). */
function roundResourceList(list: Record<string, string> | undefined): void {
  if (!list) return;
  for (const [name, value] of Object.entries(list)) {
    const rounded = milliRoundedText(value);
    if (rounded !== undefined) list[name] = rounded;
  }
}

function defaultHTTPGet(action: HTTPGetAction | undefined): void {
  if (!action) return;
  action.path ||= "/";
  action.scheme ||= "HTTP";
}

function defaultProbe(probe: Probe | undefined): void {
  if (!probe) return;
  probe.timeoutSeconds ||= 1;
  probe.periodSeconds ||= 10;
  probe.successThreshold ||= 1;
  probe.failureThreshold ||= 3;
  defaultHTTPGet(probe.httpGet);
  if (probe.grpc) probe.grpc.service ??= "";
}

function defaultHandler(handler: LifecycleHandler | undefined): void {
  defaultHTTPGet(handler?.httpGet);
}

function defaultEnv(env: EnvVar[] | undefined): void {
  for (const e of env ?? []) {
    const ref = e.valueFrom?.fieldRef;
    if (ref) ref.apiVersion ||= "v1";
  }
}

function defaultResources(resources: ResourceRequirements | undefined): void {
  roundResourceList(resources?.limits);
  roundResourceList(resources?.requests);
}

/** SetDefaults_Container (also used for ephemeral containers). */
export function defaultContainer(c: Container): void {
  c.imagePullPolicy ||= defaultPullPolicy(c.image ?? "");
  c.terminationMessagePath ||= "/dev/termination-log";
  c.terminationMessagePolicy ||= "File";
  for (const port of c.ports ?? []) port.protocol ||= "TCP";
  defaultEnv(c.env);
  defaultResources(c.resources);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
}

function defaultVolume(v: Volume): void {
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined)) v.emptyDir = {};
  if (v.hostPath) v.hostPath.type ??= "";
  if (v.secret) v.secret.defaultMode ??= DEFAULT_FILE_MODE;
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_FILE_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_FILE_MODE;
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= "v1";
  }
  if (v.projected) {
    v.projected.defaultMode ??= DEFAULT_FILE_MODE;
    for (const source of v.projected.sources ?? []) {
      if (source.serviceAccountToken) source.serviceAccountToken.expirationSeconds ??= 3600;
      for (const item of source.downwardAPI?.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ||= "v1";
    }
  }
  if (v.image) v.image.pullPolicy ||= defaultPullPolicy(v.image.reference ?? "");
  if (v.iscsi) v.iscsi.iscsiInterface ||= "default";
  if (v.rbd) {
    v.rbd.pool ||= "rbd";
    v.rbd.user ||= "admin";
    v.rbd.keyring ||= "/etc/ceph/keyring";
  }
  if (v.azureDisk) {
    v.azureDisk.cachingMode ??= "ReadWrite";
    v.azureDisk.fsType ??= "ext4";
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ??= "Shared";
  }
  if (v.scaleIO) {
    v.scaleIO.storageMode ||= "ThinProvisioned";
    v.scaleIO.fsType ||= "xfs";
  }
  const claim = v.ephemeral?.volumeClaimTemplate?.spec;
  if (claim) claim.volumeMode ??= "Filesystem";
}

/** SetDefaults_PodSpec plus the defaults of everything a PodSpec holds. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.dnsPolicy ||= "ClusterFirst";
  spec.restartPolicy ||= "Always";
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= "default-scheduler";
  for (const v of spec.volumes ?? []) defaultVolume(v);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c);
  roundResourceList(spec.overhead);
  defaultResources(spec.resources);
}

function requestsFromLimits(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits || !c.resources) return;
  c.resources.requests ??= {};
  const requests = c.resources.requests;
  for (const [name, value] of Object.entries(limits)) if (!(name in requests)) requests[name] = value;
}

/** SetDefaults_Pod: what only a Pod (not a template) gets. */
export function applyPodOnlyDefaults(spec: PodSpec): void {
  for (const c of spec.containers ?? []) requestsFromLimits(c);
  for (const c of spec.initContainers ?? []) requestsFromLimits(c);
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const p of c.ports ?? []) if (!p.hostPort) p.hostPort = p.containerPort;
    }
  }
}
