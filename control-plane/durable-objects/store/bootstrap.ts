// What every cluster has from its first moment: the four namespaces kubeadm and k3s create, a
// `default` ServiceAccount in each, and the `kubernetes` Service pointing at the API server.

import type { KubeObject } from "../../../schemas/object.ts";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

/** Namespaces upstream's NamespaceLifecycle admission never lets anyone delete. */
export const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(["default", "kube-system", "kube-public"]);

export function namespaceObject(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

export function defaultServiceAccount(namespace: string): KubeObject {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace } };
}

/** A selector-less ClusterIP Service the control plane keeps, stored as the API would default it. */
function systemService(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  clusterIP: string,
  ports: { name: string; port: number; protocol: string; targetPort: number }[],
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, labels },
    spec: {
      clusterIP,
      clusterIPs: [clusterIP],
      ports,
      type: "ClusterIP",
      sessionAffinity: "None",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      internalTrafficPolicy: "Cluster",
    },
    status: { loadBalancer: {} },
  };
}

export function kubernetesService(clusterIP: string): KubeObject {
  return systemService("default", "kubernetes", { component: "apiserver", provider: "kubernetes" }, clusterIP, [
    { name: "https", port: 443, protocol: "TCP", targetPort: 6443 },
  ]);
}

/**
 * The cluster DNS Service, as k3s and kubeadm clusters have it: every agent answers its address
 * itself (the node's DNS server, reached through the node's service proxy), so it has no selector.
 */
export function kubeDnsService(clusterIP: string): KubeObject {
  return systemService(
    "kube-system",
    "kube-dns",
    { "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS", "app.kubernetes.io/managed-by": "kflare" },
    clusterIP,
    [
      { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
      { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
    ],
  );
}

export const KFLARE_INGRESS_CLASS = "kflare";
export const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

/** The IngressClass whose Ingresses the Worker serves at the edge; the cluster's default class. */
export function kflareIngressClass(): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: {
      name: KFLARE_INGRESS_CLASS,
      labels: { "app.kubernetes.io/managed-by": "kflare" },
      annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" },
    },
    spec: { controller: "kflare.dev/ingress" },
  };
}

/** Taint of nodes that run only WebAssembly pods (agents without root): other pods stay away. */
export const WASM_ONLY_TAINT = { key: "kflare.dev/wasm-only", value: "true", effect: "NoSchedule" };

/** The `wasm` RuntimeClass: pods naming it run as WebAssembly components, on nodes offering "wasm". */
export function wasmRuntimeClass(): KubeObject {
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: "wasm", labels: { "app.kubernetes.io/managed-by": "kflare" } },
    handler: "wasm",
    scheduling: { tolerations: [{ key: WASM_ONLY_TAINT.key, operator: "Exists", effect: "NoSchedule" }] },
  };
}
