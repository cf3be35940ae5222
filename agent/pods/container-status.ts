// containerStatuses and initContainerStatuses as kubelet reports them: the newest container of each
// name gives state, restartCount and IDs, the one before it lastState; a container that will be
// (re)started shows the reason it is waiting (CrashLoopBackOff, ErrImagePull...) instead.

import type { Container } from "../../schemas/core/container.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import type { ContainerStateTerminated, ContainerStatus } from "../../schemas/core/pod-status.ts";
import { rfc3339 } from "./go-format.ts";
import { latest, type ObservedPod, previous, type RuntimeContainer } from "./observed.ts";

export interface Waiting {
  reason: string;
  message?: string;
}

export interface ProbeView {
  isStarted(containerId: string): boolean;
  isReady(containerId: string): boolean;
}

export type ContainerKind = "init" | "regular";

export function restartPolicyOf(pod: Pod): "Always" | "OnFailure" | "Never" {
  const p = pod.spec?.restartPolicy;
  return p === "OnFailure" || p === "Never" ? p : "Always";
}

/** Whether the sync would (re)start this container: the upstream rule, per container kind. */
export function shouldStart(pod: Pod, kind: ContainerKind, current: RuntimeContainer | undefined): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  if (!current) return true;
  if (current.state === "running") return false;
  if (current.state !== "exited") return true;
  const policy = restartPolicyOf(pod);
  if (policy === "Never") return false;
  const exitCode = current.exitCode ?? 0;
  // A completed init container is done for good; under OnFailure so is a regular one that exited 0.
  if (exitCode === 0 && (kind === "init" || policy === "OnFailure")) return false;
  return true;
}

export function terminatedState(c: RuntimeContainer, runtimeName: string): ContainerStateTerminated {
  const exitCode = c.exitCode ?? 0;
  const t: ContainerStateTerminated = {
    exitCode,
    reason: c.reason || (exitCode === 0 ? "Completed" : "Error"),
    startedAt: rfc3339(c.startedAt ?? c.createdAt),
    finishedAt: rfc3339(c.finishedAt ?? c.startedAt ?? c.createdAt),
    containerID: `${c.runtime ?? runtimeName}://${c.id}`,
  };
  if (c.message) t.message = c.message;
  return t;
}

export interface ContainerStatusInputs {
  pod: Pod;
  observed: ObservedPod;
  runtimeName: string;
  reasons: ReadonlyMap<string, Waiting>;
  probes: ProbeView;
  /** The pod is being deleted and everything stopped: nothing will be restarted. */
  terminal: boolean;
}

export function containerStatus(spec: Container, kind: ContainerKind, inputs: ContainerStatusInputs): ContainerStatus {
  const name = spec.name ?? "";
  const { observed, runtimeName } = inputs;
  const current = latest(observed, name);
  const before = previous(observed, name);
  const hasInit = (inputs.pod.spec?.initContainers?.length ?? 0) > 0;
  const status: ContainerStatus = {
    name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: 0,
    image: spec.image ?? "",
    imageID: "",
    started: false,
  };
  if (!current) {
    status.state = { waiting: { reason: hasInit ? "PodInitializing" : "ContainerCreating" } };
  } else {
    status.restartCount = current.attempt;
    status.image = current.image || spec.image || "";
    status.imageID = current.imageRef;
    status.containerID = `${current.runtime ?? runtimeName}://${current.id}`;
    if (current.state === "running") {
      status.state = { running: { startedAt: rfc3339(current.startedAt ?? current.createdAt) } };
      status.started = kind === "init" || inputs.probes.isStarted(current.id);
      status.ready = kind === "regular" && inputs.probes.isReady(current.id);
    } else if (current.state === "exited") {
      status.state = { terminated: terminatedState(current, runtimeName) };
      // A completed init container counts as ready, as upstream reports it.
      status.ready = kind === "init" && (current.exitCode ?? 0) === 0;
    } else {
      status.state = { waiting: { reason: "ContainerCreating" } };
    }
    if (before?.state === "exited") status.lastState = { terminated: terminatedState(before, runtimeName) };
  }
  const waiting = inputs.reasons.get(name);
  if (waiting && !inputs.terminal && shouldStart(inputs.pod, kind, current)) {
    if (status.state?.terminated) status.lastState = { terminated: status.state.terminated };
    status.state = {
      waiting: waiting.message ? { reason: waiting.reason, message: waiting.message } : { reason: waiting.reason },
    };
    status.ready = false;
  }
  return status;
}
