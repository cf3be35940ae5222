// A container's environment as kubelet builds it: envFrom first (ConfigMaps and Secrets, with their
// prefix), then env in order, each literal value expanded against what is already defined, while
// values taken from references (valueFrom) are used as they are. A reference to a missing
// ConfigMap, Secret or key fails the container with CreateContainerConfigError unless `optional`.

import type { ConfigMap, Secret } from "../../schemas/core/config.ts";
import type { Container, EnvVarSource } from "../../schemas/core/container.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import { fieldRefValue, type NodeAllocatable, type PodAddresses, resourceFieldValue } from "./downward.ts";
import { expand, lookupIn } from "./expand.ts";

/** The ConfigMaps and Secrets the session received for this node's pods. */
export interface ConfigSource {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
}

export interface EnvContext {
  pod: Pod;
  container: Container;
  config: ConfigSource;
  addresses: PodAddresses;
  allocatable: NodeAllocatable;
  /** The service variables of the pod (service-env.ts). */
  services?: Map<string, string>;
}

export type EnvResult = { env: { name: string; value: string }[] } | { error: string };

/** A Secret's value as text; the API carries secret data base64-encoded. */
export function secretText(secret: Secret, key: string): string | undefined {
  const data = secret.data?.[key];
  return data === undefined ? undefined : Buffer.from(data, "base64").toString("utf8");
}

class EnvError extends Error {}

function findContainer(pod: Pod, name: string | undefined, self: Container): Container {
  if (!name) return self;
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return all.find((c) => c.name === name) ?? self;
}

function fromEnvSources(ctx: EnvContext, into: Map<string, string>): void {
  const ns = ctx.pod.metadata.namespace ?? "default";
  for (const source of ctx.container.envFrom ?? []) {
    const prefix = source.prefix ?? "";
    if (source.configMapRef) {
      const ref = source.configMapRef;
      const cm = ctx.config.configMap(ns, ref.name ?? "");
      if (!cm) {
        if (ref.optional) continue;
        throw new EnvError(`configmap ${JSON.stringify(ref.name ?? "")} not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) into.set(prefix + k, v);
    } else if (source.secretRef) {
      const ref = source.secretRef;
      const secret = ctx.config.secret(ns, ref.name ?? "");
      if (!secret) {
        if (ref.optional) continue;
        throw new EnvError(`secret ${JSON.stringify(ref.name ?? "")} not found`);
      }
      for (const k of Object.keys(secret.data ?? {})) into.set(prefix + k, secretText(secret, k) ?? "");
    }
  }
}

/** A valueFrom's value; undefined when an optional reference is missing (the variable is skipped). */
function fromReference(ctx: EnvContext, source: EnvVarSource): string | undefined {
  const ns = ctx.pod.metadata.namespace ?? "default";
  if (source.fieldRef) {
    const r = fieldRefValue(ctx.pod, source.fieldRef.fieldPath ?? "", ctx.addresses);
    if ("error" in r) throw new EnvError(r.error);
    return r.value;
  }
  if (source.resourceFieldRef) {
    const ref = source.resourceFieldRef;
    const target = findContainer(ctx.pod, ref.containerName, ctx.container);
    const r = resourceFieldValue(target, ref.resource ?? "", ref.divisor, ctx.allocatable);
    if ("error" in r) throw new EnvError(r.error);
    return r.value;
  }
  if (source.configMapKeyRef) {
    const { name = "", key = "", optional } = source.configMapKeyRef;
    const cm = ctx.config.configMap(ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw new EnvError(`configmap ${JSON.stringify(name)} not found`);
    }
    const value = cm.data?.[key];
    if (value === undefined && !optional) throw new EnvError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    return value;
  }
  if (source.secretKeyRef) {
    const { name = "", key = "", optional } = source.secretKeyRef;
    const secret = ctx.config.secret(ns, name);
    if (!secret) {
      if (optional) return undefined;
      throw new EnvError(`secret ${JSON.stringify(name)} not found`);
    }
    const value = secretText(secret, key);
    if (value === undefined && !optional) throw new EnvError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    return value;
  }
  if (source.fileKeyRef) throw new EnvError("fileKeyRef environment variables are not supported by this agent");
  return "";
}

/**
 * The container's environment, as kubelet builds it: envFrom, then env (whose $(VAR) may name the
 * variables before it and the service variables), then the service variables the container did not
 * set itself.
 */
export function resolveEnv(ctx: EnvContext): EnvResult {
  const env = new Map<string, string>();
  const services = ctx.services ?? new Map<string, string>();
  const lookup = lookupIn(env, services);
  try {
    fromEnvSources(ctx, env);
    for (const v of ctx.container.env ?? []) {
      const name = v.name ?? "";
      if (v.valueFrom) {
        const value = fromReference(ctx, v.valueFrom);
        if (value !== undefined) env.set(name, value);
      } else {
        env.set(name, expand(v.value ?? "", lookup));
      }
    }
  } catch (err) {
    if (err instanceof EnvError) return { error: err.message };
    throw err;
  }
  for (const [name, value] of services) if (!env.has(name)) env.set(name, value);
  return { env: [...env].map(([name, value]) => ({ name, value })) };
}

/** command and args with $(VAR) expanded against the final environment. */
export function expandCommand(
  container: Container,
  env: readonly { name: string; value: string }[],
): { command: string[]; args: string[] } {
  const lookup = lookupIn(new Map(env.map((e) => [e.name, e.value])));
  return {
    command: (container.command ?? []).map((c) => expand(c, lookup)),
    args: (container.args ?? []).map((a) => expand(a, lookup)),
  };
}
