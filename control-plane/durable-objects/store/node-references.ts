// What a pod needs from its namespace: the ConfigMaps and Secrets its volumes, env and image pull
// secrets name. A node may read exactly these (upstream's Node authorizer graph, by direct lookup).

import type { KubeObject } from "../../../schemas/object.ts";

export interface References {
  configMaps: Set<string>;
  secrets: Set<string>;
}

interface EnvSource {
  configMapKeyRef?: { name?: string };
  secretKeyRef?: { name?: string };
}

interface ContainerLike {
  env?: { valueFrom?: EnvSource }[];
  envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
}

interface VolumeLike {
  configMap?: { name?: string };
  secret?: { secretName?: string };
  projected?: { sources?: { configMap?: { name?: string }; secret?: { name?: string } }[] };
}

interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  ephemeralContainers?: ContainerLike[];
  volumes?: VolumeLike[];
  imagePullSecrets?: { name?: string }[];
}

export function podReferences(
  pod: KubeObject,
  into: References = { configMaps: new Set(), secrets: new Set() },
): References {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  const cm = (n?: string) => n && into.configMaps.add(n);
  const secret = (n?: string) => n && into.secrets.add(n);
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) {
      cm(e.valueFrom?.configMapKeyRef?.name);
      secret(e.valueFrom?.secretKeyRef?.name);
    }
    for (const f of c.envFrom ?? []) {
      cm(f.configMapRef?.name);
      secret(f.secretRef?.name);
    }
  }
  for (const v of spec.volumes ?? []) {
    cm(v.configMap?.name);
    secret(v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) {
      cm(s.configMap?.name);
      secret(s.secret?.name);
    }
  }
  for (const s of spec.imagePullSecrets ?? []) secret(s.name);
  return into;
}

/** A pod as its node receives it: no status (the node's own) and no bookkeeping that churns. */
export function assignedPod(pod: KubeObject): KubeObject {
  const { status: _status, ...rest } = pod;
  const { managedFields: _mf, resourceVersion: _rv, ...metadata } = pod.metadata;
  return { ...rest, metadata };
}

export function assignedObject(obj: KubeObject): KubeObject {
  const { managedFields: _mf, resourceVersion: _rv, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
