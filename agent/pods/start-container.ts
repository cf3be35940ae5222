// Starting one container, in kubelet's order: make sure the image is there, work out the restart
// count, build the config (env, mounts: a missing ConfigMap is CreateContainerConfigError), create,
// start. Each failure leaves the reason the container is waiting for its status and a Failed event.

import type { Secret } from "../../schemas/core/config.ts";
import type { Container } from "../../schemas/core/container.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import type { PodSandboxConfig, SandboxStatus } from "../runtime/types.ts";
import { buildMounts, ContainerConfigError, containerConfig, restartCountFromLogs } from "./container-config.ts";
import type { Waiting } from "./container-status.ts";
import type { NodeContext } from "./context.ts";
import { expandCommand, resolveEnv } from "./env.ts";
import { containerFieldPath } from "./events.ts";
import { errorText } from "./images.ts";
import { containerName, type ObservedPod } from "./observed.ts";
import { findImageAuth } from "./pull-secrets.ts";
import { serviceEnv } from "./service-env.ts";
import { containerSpecHash } from "./spec-hash.ts";
import { terminationMount } from "./termination-message.ts";
import type { PodVolumes } from "./volumes/pod-volumes.ts";

export interface PodSyncState {
  pod: Pod;
  reasons: Map<string, Waiting>;
  volumes: PodVolumes;
  logDir: string;
  /** Asks for the pod to be synced again at this clock time. */
  wake(at: number): void;
}

export interface StartTarget {
  container: Container;
  kind: "init" | "regular";
  sandbox: SandboxStatus;
  sandboxConfig: PodSandboxConfig;
}

function pullSecrets(ctx: NodeContext, pod: Pod): Secret[] {
  const ns = pod.metadata.namespace ?? "default";
  return (pod.spec?.imagePullSecrets ?? [])
    .map((ref) => ctx.config.secret(ns, ref.name ?? ""))
    .filter((s): s is Secret => s !== undefined);
}

/** Removes dead containers of this name but the newest (kept for lastState), as kubelet's GC does. */
async function collectDead(ctx: NodeContext, observed: ObservedPod, name: string): Promise<void> {
  const dead = observed.containers.filter((c) => containerName(c) === name && c.state === "exited");
  for (const c of dead.slice(1)) await ctx.runtime.removeContainer(c.id).catch(() => undefined);
}

/** Returns true when the container was started. */
export async function startContainer(
  ctx: NodeContext,
  st: PodSyncState,
  observed: ObservedPod,
  target: StartTarget,
): Promise<boolean> {
  const { container, kind, sandbox } = target;
  const pod = st.pod;
  const name = container.name ?? "";
  const fieldPath = containerFieldPath(kind, name);
  const fail = (reason: string, message: string, eventText = message): false => {
    st.reasons.set(name, { reason, message });
    ctx.recorder.event(pod, "Warning", "Failed", `Error: ${eventText}`, fieldPath);
    st.wake(ctx.clock.now() + ctx.timing.errorResyncMs);
    return false;
  };

  const image = await ctx.images.ensure(
    pod,
    container,
    fieldPath,
    findImageAuth(container.image ?? "", pullSecrets(ctx, pod)),
    target.sandboxConfig.runtimeHandler,
  );
  if ("reason" in image) {
    const ends = ctx.images.backoffEnds(pod, container);
    if (ends !== undefined && ends > ctx.clock.now()) st.wake(ends);
    return fail(image.reason, image.message, image.reason);
  }

  const before = observed.containers.find((c) => containerName(c) === name);
  const attempt = before ? before.attempt + 1 : await restartCountFromLogs(st.logDir, name);
  const addresses = { podIPs: sandbox.ip ? [sandbox.ip] : [], hostIPs: ctx.hostIPs };
  const env = resolveEnv({
    pod,
    container,
    config: ctx.config,
    addresses,
    allocatable: ctx.allocatable,
    services: serviceEnv(pod, ctx.services?.() ?? []),
  });
  if ("error" in env) return fail("CreateContainerConfigError", env.error);
  // A privileged container owns the machine: only on nodes whose owner said so.
  if (container.securityContext?.privileged === true && !ctx.allowPrivileged)
    return fail(
      "CreateContainerConfigError",
      `container "${name}" is privileged, and this node does not allow privileged containers (start its agent with --allow-privileged)`,
    );
  let mounts: Awaited<ReturnType<typeof buildMounts>>;
  try {
    mounts = await buildMounts(pod, container, st.volumes, env.env);
  } catch (err) {
    if (err instanceof ContainerConfigError) return fail("CreateContainerConfigError", err.message);
    throw err;
  }
  // wasm guests are given directories only (preopens): no termination message file for them.
  if (target.sandboxConfig.runtimeHandler !== "wasm") {
    const termination = await terminationMount(st.volumes.podDir, container, attempt);
    if (termination !== undefined) mounts.push(termination);
  }
  const { command, args } = expandCommand(container, env.env);
  const config = containerConfig(pod, container, {
    env: env.env,
    command,
    args,
    mounts,
    attempt,
    specHash: containerSpecHash(container),
  });

  let id: string;
  try {
    id = await ctx.runtime.createContainer(sandbox.id, config, target.sandboxConfig);
  } catch (err) {
    return fail("CreateContainerError", errorText(err));
  }
  ctx.recorder.event(pod, "Normal", "Created", `Created container: ${name}`, fieldPath);
  try {
    await ctx.runtime.startContainer(id);
  } catch (err) {
    return fail("RunContainerError", errorText(err));
  }
  ctx.recorder.event(pod, "Normal", "Started", `Started container ${name}`, fieldPath);
  st.reasons.delete(name);
  await collectDead(ctx, observed, name);
  return true;
}
