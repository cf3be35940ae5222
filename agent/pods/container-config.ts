// Translating a Pod into what the runtime interface takes: the sandbox config, each container's
// config (command, env, mounts, resources, the labels that let a restarted agent recognise it),
// and the on-disk layout kubelet uses (/var/log/pods/<ns>_<name>_<uid>/<container>/<attempt>.log).

import { readdir } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { Container } from "../../schemas/core/container.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import {
  type ContainerConfig,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_SPEC_HASH,
  type Mount,
  type PodSandboxConfig,
  type PortMapping,
} from "../runtime/types.ts";
import type { ResolvConf } from "./dns-config.ts";
import { expand, lookupIn } from "./expand.ts";
import { containerResources } from "./resources.ts";
import { isApiDataVolume, type PodVolumes } from "./volumes/pod-volumes.ts";

export interface PodPaths {
  /** <dataDir>/pods/<uid>: volumes live below. */
  podDir: string;
  /** <logRoot>/<ns>_<name>_<uid>: the sandbox's logDirectory. */
  logDir: string;
}

export function podPaths(
  dataDir: string,
  logRoot: string,
  meta: { uid?: string; namespace?: string; name?: string },
): PodPaths {
  const { uid = "", namespace = "default", name = "" } = meta;
  return { podDir: join(dataDir, "pods", uid), logDir: join(logRoot, `${namespace}_${name}_${uid}`) };
}

function podLabels(pod: Pod): Record<string, string> {
  return {
    [LABEL_POD_UID]: pod.metadata.uid ?? "",
    [LABEL_POD_NAME]: pod.metadata.name ?? "",
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? "default",
  };
}

/** A DNS label: at most 63 characters, not ending in "-" or "." once cut. */
function hostnameOf(pod: Pod): string {
  const name = pod.spec?.hostname || pod.metadata.name || "";
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-.]+$/, "");
}

export function sandboxConfig(
  pod: Pod,
  attempt: number,
  paths: PodPaths,
  runtimeHandler: string,
  dns?: ResolvConf,
): PodSandboxConfig {
  const portMappings: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      const m: PortMapping = { containerPort: p.containerPort ?? 0, protocol: protocolOf(p.protocol) };
      if (p.hostPort) m.hostPort = p.hostPort;
      if (p.hostIP) m.hostIP = p.hostIP;
      portMappings.push(m);
    }
  }
  return {
    uid: pod.metadata.uid ?? "",
    namespace: pod.metadata.namespace ?? "default",
    name: pod.metadata.name ?? "",
    hostname: hostnameOf(pod),
    attempt,
    logDirectory: paths.logDir,
    portMappings,
    hostNetwork: pod.spec?.hostNetwork ?? false,
    runtimeHandler,
    labels: { ...(pod.metadata.labels ?? {}), ...podLabels(pod) },
    annotations: { ...(pod.metadata.annotations ?? {}) },
    ...(dns ? { dns } : {}),
  };
}

function protocolOf(p: string | undefined): "TCP" | "UDP" | "SCTP" {
  return p === "UDP" || p === "SCTP" ? p : "TCP";
}

export class ContainerConfigError extends Error {}

/** The container's mounts: each volumeMount's volume path (and subPath), read-only for API-data volumes. */
export async function buildMounts(
  pod: Pod,
  container: Container,
  volumes: PodVolumes,
  env: readonly { name: string; value: string }[],
): Promise<Mount[]> {
  const mounts: Mount[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const base = volumes.paths.get(vm.name ?? "");
    const volume = pod.spec?.volumes?.find((v) => v.name === vm.name);
    if (!base || !volume) {
      throw new ContainerConfigError(
        `cannot find volume ${JSON.stringify(vm.name ?? "")} to mount into container ${JSON.stringify(container.name ?? "")}`,
      );
    }
    const subPath =
      vm.subPath ||
      (vm.subPathExpr ? expand(vm.subPathExpr, lookupIn(new Map(env.map((e) => [e.name, e.value])))) : "");
    let hostPath = base;
    if (subPath) {
      if (isAbsolute(subPath) || subPath.split("/").includes("..")) {
        throw new ContainerConfigError(`subPath ${JSON.stringify(subPath)} must be a relative path without '..'`);
      }
      hostPath = join(base, subPath);
      if (volume.emptyDir || volume.hostPath) await volumes.ensureSubPath(hostPath);
    }
    mounts.push({
      hostPath,
      containerPath: vm.mountPath ?? "",
      readOnly: Boolean(vm.readOnly) || isApiDataVolume(volume),
    });
  }
  return mounts;
}

export interface ContainerInputs {
  env: { name: string; value: string }[];
  command: string[];
  args: string[];
  mounts: Mount[];
  attempt: number;
  specHash: string;
}

export function containerConfig(pod: Pod, container: Container, inputs: ContainerInputs): ContainerConfig {
  const name = container.name ?? "";
  const podSecurity = pod.spec?.securityContext;
  const sc = container.securityContext;
  const securityContext: NonNullable<ContainerConfig["securityContext"]> = {};
  const runAsUser = sc?.runAsUser ?? podSecurity?.runAsUser;
  const runAsGroup = sc?.runAsGroup ?? podSecurity?.runAsGroup;
  if (runAsUser !== undefined) securityContext.runAsUser = runAsUser;
  if (runAsGroup !== undefined) securityContext.runAsGroup = runAsGroup;
  if (sc?.readOnlyRootFilesystem !== undefined) securityContext.readOnlyRootFilesystem = sc.readOnlyRootFilesystem;
  if (sc?.privileged !== undefined) securityContext.privileged = sc.privileged;
  const config: ContainerConfig = {
    name,
    image: container.image ?? "",
    command: inputs.command,
    args: inputs.args,
    env: inputs.env,
    mounts: inputs.mounts,
    resources: containerResources(container),
    logPath: join(name, `${inputs.attempt}.log`),
    stdin: container.stdin ?? false,
    tty: container.tty ?? false,
    ports: (container.ports ?? []).map((p) => {
      const port: ContainerConfig["ports"][number] = {
        containerPort: p.containerPort ?? 0,
        protocol: protocolOf(p.protocol),
      };
      if (p.name) port.name = p.name;
      return port;
    }),
    labels: { ...podLabels(pod), [LABEL_CONTAINER_NAME]: name, [LABEL_SPEC_HASH]: inputs.specHash },
    annotations: { "io.kubernetes.container.restartCount": String(inputs.attempt) },
    attempt: inputs.attempt,
  };
  if (container.workingDir) config.workingDir = container.workingDir;
  if (Object.keys(securityContext).length > 0) config.securityContext = securityContext;
  return config;
}

/**
 * The restart count for a container the runtime has no record of. A runtime whose state lives on
 * tmpfs forgets its containers on reboot; upstream then continues the count from the log files
 * (<attempt>.log) so logs are not overwritten and restartCount does not go back to 0.
 */
export async function restartCountFromLogs(logDir: string, name: string): Promise<number> {
  try {
    const attempts = (await readdir(join(logDir, name)))
      .map((f) => /^(\d+)\.log$/.exec(f)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    return attempts.length ? Math.max(...attempts) + 1 : 0;
  } catch {
    return 0;
  }
}
