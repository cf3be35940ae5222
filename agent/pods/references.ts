// The ConfigMaps and Secrets a pod refers to (volumes, projected sources, env, envFrom, image pull
// secrets): what the agent must keep to run the pod while the control plane is unreachable.

import type { Container } from "../../schemas/core/container.ts";
import type { Pod } from "../../schemas/core/pod.ts";

export interface PodReferences {
  /** "namespace/name" keys. */
  configMaps: Set<string>;
  secrets: Set<string>;
}

function fromContainer(c: Container, ns: string, refs: PodReferences): void {
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef?.name) refs.configMaps.add(`${ns}/${from.configMapRef.name}`);
    if (from.secretRef?.name) refs.secrets.add(`${ns}/${from.secretRef.name}`);
  }
  for (const e of c.env ?? []) {
    const cm = e.valueFrom?.configMapKeyRef?.name;
    const secret = e.valueFrom?.secretKeyRef?.name;
    if (cm) refs.configMaps.add(`${ns}/${cm}`);
    if (secret) refs.secrets.add(`${ns}/${secret}`);
  }
}

export function podReferences(pods: readonly Pod[]): PodReferences {
  const refs: PodReferences = { configMaps: new Set(), secrets: new Set() };
  for (const pod of pods) {
    const ns = pod.metadata.namespace ?? "default";
    const spec = pod.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) fromContainer(c, ns, refs);
    for (const s of spec?.imagePullSecrets ?? []) if (s.name) refs.secrets.add(`${ns}/${s.name}`);
    for (const v of spec?.volumes ?? []) {
      if (v.configMap?.name) refs.configMaps.add(`${ns}/${v.configMap.name}`);
      if (v.secret?.secretName) refs.secrets.add(`${ns}/${v.secret.secretName}`);
      for (const source of v.projected?.sources ?? []) {
        if (source.configMap?.name) refs.configMaps.add(`${ns}/${source.configMap.name}`);
        if (source.secret?.name) refs.secrets.add(`${ns}/${source.secret.name}`);
      }
    }
  }
  return refs;
}
