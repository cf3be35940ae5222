// One pass of kubelet's SyncPod for a pod that should run: volumes, then the sandbox (re-created
// when it is gone or not ready), then the init containers one at a time in order, each to
// completion, then every regular container: started when missing, restarted per restartPolicy
// behind CrashLoopBackOff, replaced when its spec changed or a liveness/startup probe failed.

import type { Container } from "../../schemas/core/container.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import { LABEL_SPEC_HASH, type SandboxStatus } from "../runtime/types.ts";
import { sandboxConfig } from "./container-config.ts";
import { restartPolicyOf, shouldStart } from "./container-status.ts";
import type { NodeContext } from "./context.ts";
import { podDnsConfig, type ResolvConf } from "./dns-config.ts";
import { formatPod, goDuration } from "./go-format.ts";
import { errorText } from "./images.ts";
import { killContainer, killPod, podGracePeriod } from "./kill.ts";
import { latest, type ObservedPod, type RuntimeContainer } from "./observed.ts";
import { containerSpecHash } from "./spec-hash.ts";
import { type PodSyncState, startContainer } from "./start-container.ts";

export interface SyncOutcome {
  /** Something was stopped: sync again right away to act on the new state. */
  again: boolean;
}

/** True (and the waiting reason recorded) while the container must wait before its next restart. */
function inCrashLoopBackOff(
  ctx: NodeContext,
  st: PodSyncState,
  container: Container,
  exited: RuntimeContainer,
): boolean {
  const pod = st.pod;
  const name = container.name ?? "";
  const key = `${pod.metadata.uid}/${name}/${containerSpecHash(container)}`;
  const finishedAt = exited.finishedAt ?? ctx.clock.now();
  // A container that ran long enough was healthy: its next failure starts the back-off afresh.
  if (exited.startedAt !== undefined && finishedAt - exited.startedAt >= ctx.timing.crashLoop.resetAfterMs) {
    ctx.crashBackoff.reset(key);
  }
  if (!ctx.crashBackoff.isInBackOffSince(key, finishedAt)) {
    ctx.crashBackoff.next(key, finishedAt);
    return false;
  }
  const delay = ctx.crashBackoff.delay(key);
  const who = formatPod({
    name: pod.metadata.name ?? "",
    namespace: pod.metadata.namespace ?? "default",
    uid: pod.metadata.uid ?? "",
  });
  st.reasons.set(name, {
    reason: "CrashLoopBackOff",
    message: `back-off ${goDuration(delay)} restarting failed container=${name} pod=${who}`,
  });
  const fieldPath = pod.spec?.initContainers?.includes(container)
    ? `spec.initContainers{${name}}`
    : `spec.containers{${name}}`;
  ctx.recorder.event(
    pod,
    "Warning",
    "BackOff",
    `Back-off restarting failed container ${name} in pod ${who}`,
    fieldPath,
  );
  st.wake(finishedAt + delay);
  return true;
}

async function ensureSandbox(
  ctx: NodeContext,
  st: PodSyncState,
  observed: ObservedPod,
): Promise<SandboxStatus | undefined> {
  const pod = st.pod;
  const current = observed.sandboxes[0];
  if (current?.state === "ready") return current;
  // A pod that must not restart does not get a second sandbox once its containers ran.
  if (current && restartPolicyOf(pod) === "Never" && observed.containers.length > 0) return undefined;
  const handler = ctx.runtimeHandler(pod.spec?.runtimeClassName);
  if (handler === undefined) {
    const message = `Failed to create pod sandbox: RuntimeHandler ${JSON.stringify(pod.spec?.runtimeClassName ?? "")} not supported`;
    ctx.recorder.event(pod, "Warning", "FailedCreatePodSandBox", message);
    st.wake(ctx.clock.now() + ctx.timing.errorResyncMs);
    return undefined;
  }
  if (current) {
    ctx.recorder.event(pod, "Normal", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
    await killPod(ctx, pod, observed, podGracePeriod(pod));
  }
  const attempt = current ? current.attempt + 1 : 0;
  try {
    const id = await ctx.runtime.runPodSandbox(sandboxConfig(pod, attempt, paths(st), handler, podDns(ctx, pod)));
    const status = await ctx.runtime.podSandboxStatus(id);
    if (status) return status;
    throw new Error(`sandbox ${id} has no status`);
  } catch (err) {
    ctx.recorder.event(pod, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${errorText(err)}`);
    st.wake(ctx.clock.now() + ctx.timing.errorResyncMs);
    return undefined;
  }
}

/** The pod's resolv.conf, when the node knows how to build one (containers; wasm guests have no resolver). */
function podDns(ctx: NodeContext, pod: Pod): ResolvConf | undefined {
  const settings = ctx.dns?.();
  return settings ? podDnsConfig(pod, settings) : undefined;
}

function paths(st: PodSyncState): { podDir: string; logDir: string } {
  return { podDir: st.volumes.podDir, logDir: st.logDir };
}

export async function syncPod(ctx: NodeContext, st: PodSyncState, observed: ObservedPod): Promise<SyncOutcome> {
  const pod = st.pod;
  const outcome: SyncOutcome = { again: false };
  const sandbox = await ensureSandbox(ctx, st, observed);
  if (!sandbox) return outcome;
  const handler = ctx.runtimeHandler(pod.spec?.runtimeClassName) ?? "";
  const target = (container: Container, kind: "init" | "regular") => ({
    container,
    kind,
    sandbox,
    sandboxConfig: sandboxConfig(pod, sandbox.attempt, paths(st), handler, podDns(ctx, pod)),
  });

  for (const init of pod.spec?.initContainers ?? []) {
    const c = latest(observed, init.name ?? "", sandbox.id);
    if (c?.state === "running") return outcome;
    if (c?.state === "exited") {
      if ((c.exitCode ?? 0) === 0) continue;
      if (!shouldStart(pod, "init", c) || inCrashLoopBackOff(ctx, st, init, c)) return outcome;
    } else if (c) {
      await ctx.runtime.removeContainer(c.id).catch(() => undefined);
    }
    await startContainer(ctx, st, observed, target(init, "init"));
    return outcome;
  }

  for (const container of pod.spec?.containers ?? []) {
    const name = container.name ?? "";
    const c = latest(observed, name, sandbox.id);
    if (c?.state === "running") {
      const changed = c.labels[LABEL_SPEC_HASH] !== containerSpecHash(container);
      const failed = ctx.probes.failed(c.id);
      if (!changed && !failed) continue;
      const probe = failed === "startup" ? container.startupProbe : container.livenessProbe;
      const grace = (failed && probe?.terminationGracePeriodSeconds) || podGracePeriod(pod);
      const message = changed
        ? `Container ${name} definition changed, will be restarted`
        : `Container ${name} failed ${failed} probe, will be restarted`;
      await killContainer(ctx, pod, c, { container, kind: "regular" }, grace, message, sandbox.ip);
      outcome.again = true;
      continue;
    }
    if (c?.state === "exited") {
      if (!shouldStart(pod, "regular", c) || inCrashLoopBackOff(ctx, st, container, c)) continue;
    } else if (c) {
      await ctx.runtime.removeContainer(c.id).catch(() => undefined);
    }
    await startContainer(ctx, st, observed, target(container, "regular"));
  }
  return outcome;
}
