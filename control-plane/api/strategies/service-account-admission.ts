// Upstream's ServiceAccount admission for a new pod, the part that needs the store: the pod's
// ServiceAccount must exist, and unless the pod or the account opts out
// (automountServiceAccountToken: false) every container gets the API credentials mounted at
// /var/run/secrets/kubernetes.io/serviceaccount: a projected volume `kube-api-access-<random>`
// with a bound token, the cluster CA (kube-root-ca.crt) and the namespace, which is where
// in-cluster client libraries look for them.

import type { KubeObject } from "../../../schemas/object.ts";
import { forbidden } from "../errors.ts";

export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Upstream's: an hour plus 7 s, so a token that lasts exactly an hour is recognisably a projected one. */
const TOKEN_EXPIRATION_SECONDS = 3607;
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

interface MountLike {
  name?: string;
  mountPath?: string;
  readOnly?: boolean;
}
interface ContainerLike {
  volumeMounts?: MountLike[];
}
interface PodSpecLike {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name?: string }[];
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
}

/**
 * The volume name's suffix only has to differ from the pod's other volumes (checked by the caller),
 * so Math.random serves, as math/rand does upstream; every pod created draws one.
 */
function randomSuffix(): string {
  let out = "";
  for (let i = 0; i < 5; i++) out += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return out;
}

export function apiAccessVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        {
          downwardAPI: {
            items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
          },
        },
      ],
    },
  };
}

/** Admits a new pod against its ServiceAccount (`serviceAccount`, undefined when it does not exist). */
export function admitServiceAccount(pod: KubeObject, serviceAccount: KubeObject | undefined): void {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  const account = spec.serviceAccountName || "default";
  const namespace = pod.metadata.namespace ?? "";
  if (!serviceAccount) {
    throw forbidden(
      `pods "${pod.metadata.name ?? pod.metadata.generateName ?? ""}" is forbidden: error looking up service account ${namespace}/${account}: serviceaccount "${account}" not found`,
      { name: pod.metadata.name, kind: "pods" },
    );
  }
  const automount =
    spec.automountServiceAccountToken ??
    (serviceAccount as { automountServiceAccountToken?: boolean }).automountServiceAccountToken ??
    true;
  if (!automount) return;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  // A pod that mounts something of its own at the path keeps it (upstream does the same).
  if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH))) return;
  const taken = new Set((spec.volumes ?? []).map((v) => v.name));
  let name = `kube-api-access-${randomSuffix()}`;
  while (taken.has(name)) name = `kube-api-access-${randomSuffix()}`;
  spec.volumes = [...(spec.volumes ?? []), apiAccessVolume(name)];
  for (const c of containers) {
    c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
  }
  pod.spec = spec as KubeObject["spec"];
}
