// Stopping containers the way kubelet does: a Killing event, the preStop hook (exec, httpGet or
// sleep) within the grace period, then the runtime's SIGTERM-then-SIGKILL with what remains of
// the grace period, never less than 2 s (upstream's floor, so a process always gets to react).

import type { Container } from "../../schemas/core/container.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import type { CancelTimer } from "./clock.ts";
import type { NodeContext } from "./context.ts";
import { containerFieldPath } from "./events.ts";
import { errorText } from "./images.ts";
import { containerName, type ObservedPod, type RuntimeContainer } from "./observed.ts";
import { runProbe } from "./probes/prober.ts";

export const MIN_GRACE_SECONDS = 2;

export function podGracePeriod(pod: Pod): number {
  return pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

function sleep(ctx: NodeContext, ms: number): Promise<void> {
  return new Promise((resolve) => ctx.clock.setTimer(ms, resolve));
}

async function runPreStop(
  ctx: NodeContext,
  pod: Pod,
  c: RuntimeContainer,
  spec: Container,
  graceSeconds: number,
  podIP: string | undefined,
): Promise<void> {
  const hook = spec.lifecycle?.preStop;
  if (!hook) return;
  const graceMs = graceSeconds * 1000;
  let work: Promise<string | undefined>;
  if (hook.exec) {
    work = ctx.runtime
      .execSync(c.id, hook.exec.command ?? [], graceSeconds)
      .then((r) =>
        r.exitCode === 0 ? undefined : `command exited with ${r.exitCode}: ${Buffer.from(r.stderr).toString("utf8")}`,
      );
  } else if (hook.httpGet) {
    work = runProbe(
      { httpGet: hook.httpGet, timeoutSeconds: graceSeconds },
      { container: spec, containerId: c.id, podIP },
      ctx.runtime,
      ctx.clock,
    ).then((o) => (o.result === "success" ? undefined : o.result === "failure" ? o.output : o.error));
  } else if (hook.sleep) {
    work = sleep(ctx, Math.min((hook.sleep.seconds ?? 0) * 1000, graceMs)).then(() => undefined);
  } else {
    return;
  }
  let cancel: CancelTimer | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    cancel = ctx.clock.setTimer(graceMs, () => resolve(undefined));
  });
  const failure = await Promise.race([work.catch((err: unknown) => errorText(err)), deadline]);
  cancel?.();
  if (failure) {
    ctx.recorder.event(
      pod,
      "Warning",
      "FailedPreStopHook",
      `PreStopHook failed: ${failure}`,
      containerFieldPath("regular", spec.name ?? ""),
    );
  }
}

/** Stops one container; `spec` is undefined for containers of pods the agent has no spec for. */
export async function killContainer(
  ctx: NodeContext,
  pod: Pod | undefined,
  c: RuntimeContainer,
  spec: { container: Container; kind: "init" | "regular" } | undefined,
  graceSeconds: number,
  message: string,
  podIP?: string,
): Promise<void> {
  let grace = graceSeconds;
  if (pod && spec) {
    ctx.recorder.event(pod, "Normal", "Killing", message, containerFieldPath(spec.kind, spec.container.name ?? ""));
    if (grace > 0 && spec.container.lifecycle?.preStop) {
      const started = ctx.clock.now();
      await runPreStop(ctx, pod, c, spec.container, grace, podIP);
      grace -= Math.floor((ctx.clock.now() - started) / 1000);
    }
  }
  try {
    await ctx.runtime.stopContainer(c.id, Math.max(MIN_GRACE_SECONDS, grace));
  } catch (err) {
    ctx.log("warn", "stopping a container failed", { container: c.id, error: errorText(err) });
  }
}

function specOf(pod: Pod | undefined, name: string): { container: Container; kind: "init" | "regular" } | undefined {
  const regular = pod?.spec?.containers?.find((c) => c.name === name);
  if (regular) return { container: regular, kind: "regular" };
  const init = pod?.spec?.initContainers?.find((c) => c.name === name);
  return init ? { container: init, kind: "init" } : undefined;
}

/** Stops every running container of the pod in parallel, then its sandboxes. */
export async function killPod(
  ctx: NodeContext,
  pod: Pod | undefined,
  observed: ObservedPod,
  graceSeconds: number,
): Promise<void> {
  const podIP = observed.sandboxes[0]?.ip;
  const running = observed.containers.filter((c) => c.state === "running" || c.state === "created");
  await Promise.all(
    running.map((c) => {
      const name = containerName(c);
      return killContainer(ctx, pod, c, specOf(pod, name), graceSeconds, `Stopping container ${name}`, podIP);
    }),
  );
  for (const s of observed.sandboxes) {
    if (s.state !== "ready") continue;
    await ctx.runtime.stopPodSandbox(s.id).catch((err: unknown) => {
      ctx.log("warn", "stopping a pod sandbox failed", { sandbox: s.id, error: errorText(err) });
    });
  }
}
