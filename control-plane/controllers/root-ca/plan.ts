// The root CA publisher (upstream's kube-root-ca.crt controller), as a pure plan: every active
// namespace holds a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the cluster CA, which in-cluster
// clients use to verify the `kubernetes` Service. The store writes it with each new namespace (so a
// pod created right after its namespace never waits for it); this puts back a deleted or edited one.

import type { KubeObject } from "../../../schemas/object.ts";
import type { Action, ResourceRef } from "../types.ts";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
export const CONFIGMAPS: ResourceRef = { group: "", version: "v1", plural: "configmaps" };
const DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/** The kube-root-ca.crt ConfigMap of a namespace. */
export function rootCaConfigMap(namespace: string, caPem: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { "kubernetes.io/description": DESCRIPTION } },
    data: { "ca.crt": caPem },
  } as KubeObject;
}

export function planRootCaConfigMap(
  namespace: KubeObject | undefined,
  existing: KubeObject | undefined,
  caPem: string,
): Action[] {
  if (!namespace || !caPem) return [];
  if ((namespace.status as { phase?: string } | undefined)?.phase === "Terminating") return [];
  if (namespace.metadata.deletionTimestamp) return [];
  const name = namespace.metadata.name ?? "";
  const data = { "ca.crt": caPem };
  const annotations = { "kubernetes.io/description": DESCRIPTION };
  if (!existing) return [{ type: "create", resource: CONFIGMAPS, object: rootCaConfigMap(name, caPem) }];
  const have = existing as KubeObject & { data?: Record<string, string>; binaryData?: unknown };
  const sameData = JSON.stringify(have.data ?? {}) === JSON.stringify(data) && have.binaryData === undefined;
  const sameNote = existing.metadata.annotations?.["kubernetes.io/description"] === DESCRIPTION;
  if (sameData && sameNote) return [];
  const { binaryData: _dropped, ...rest } = have;
  return [
    {
      type: "update",
      resource: CONFIGMAPS,
      object: {
        ...rest,
        metadata: { ...existing.metadata, annotations: { ...existing.metadata.annotations, ...annotations } },
        data,
      },
    },
  ];
}
