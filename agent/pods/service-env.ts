// The Docker-links style variables kubelet gives every container for the Services it can see:
// those of the pod's namespace (unless enableServiceLinks is false) and, always, the `kubernetes`
// Service of `default`, which is how in-cluster clients find the API
// (KUBERNETES_SERVICE_HOST/PORT). Headless and ExternalName Services have no address to give.

import type { Pod } from "../../schemas/core/pod.ts";

export interface ServiceForEnv {
  metadata: { name: string; namespace?: string };
  spec?: { type?: string; clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] };
}

function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, "_");
}

function addService(svc: ServiceForEnv, into: Map<string, string>): void {
  const ip = svc.spec?.clusterIP;
  if (!ip || ip === "None" || svc.spec?.type === "ExternalName") return;
  const ports = svc.spec?.ports ?? [];
  const first = ports[0];
  if (!first) return;
  const name = envName(svc.metadata.name);
  into.set(`${name}_SERVICE_HOST`, ip);
  into.set(`${name}_SERVICE_PORT`, String(first.port));
  for (const p of ports) if (p.name) into.set(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
  const url = (p: { port: number; protocol?: string }) => `${(p.protocol ?? "TCP").toLowerCase()}://${ip}:${p.port}`;
  into.set(`${name}_PORT`, url(first));
  for (const p of ports) {
    const proto = (p.protocol ?? "TCP").toUpperCase();
    const prefix = `${name}_PORT_${p.port}_${proto}`;
    into.set(prefix, url(p));
    into.set(`${prefix}_PROTO`, proto.toLowerCase());
    into.set(`${prefix}_PORT`, String(p.port));
    into.set(`${prefix}_ADDR`, ip);
  }
}

/** The service variables for `pod`, from every Service the node knows. */
export function serviceEnv(pod: Pod, services: readonly ServiceForEnv[]): Map<string, string> {
  const namespace = pod.metadata.namespace ?? "default";
  const links = pod.spec?.enableServiceLinks !== false;
  const out = new Map<string, string>();
  // Sorted by name, so which Service wins a clash of variable names (web-app vs web_app) is stable.
  const sorted = [...services].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  for (const svc of sorted) {
    const ns = svc.metadata.namespace ?? "default";
    const master = ns === "default" && svc.metadata.name === "kubernetes";
    if ((links && ns === namespace) || master) addService(svc, out);
  }
  return out;
}
