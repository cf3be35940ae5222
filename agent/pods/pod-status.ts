// The pod status kubelet reports (generateAPIPodStatus): phase from the containers' states and the
// restart policy, the conditions kubelet owns (PodReadyToStartContainers, Initialized, Ready,
// ContainersReady) with their lastTransitionTime kept while their status holds, conditions other
// components own (PodScheduled, DisruptionTarget...) kept as they were, addresses and start time.

import type { Pod } from "../../schemas/core/pod.ts";
import type { ContainerStatus, PodCondition, PodStatus } from "../../schemas/core/pod-status.ts";
import { type ContainerStatusInputs, containerStatus, restartPolicyOf } from "./container-status.ts";
import { goList, rfc3339 } from "./go-format.ts";

export const KUBELET_CONDITIONS = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"];

export interface PodStatusInputs extends ContainerStatusInputs {
  hostIPs: string[];
  /** The status last reported (or the API's): transition times, startTime and podIP carry over. */
  previous: PodStatus | undefined;
  now: number;
}

export function podPhase(pod: Pod, init: ContainerStatus[], regular: ContainerStatus[], terminal: boolean): string {
  const policy = restartPolicyOf(pod);
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of init) {
    if (s.state?.running) pendingInit++;
    else if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.lastState?.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
      else pendingInit++;
    } else pendingInit++;
  }
  if (failedInit > 0 && policy === "Never") return "Failed";
  const regularStarted = regular.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if ((pendingInit > 0 || failedInit > 0) && !regularStarted) return "Pending";
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of regular) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped === 0) return "Pending";
  // Every container has stopped: a pod being deleted will not restart any, whatever its policy.
  if (terminal || policy === "Never") return stopped === succeeded ? "Succeeded" : "Failed";
  if (policy === "OnFailure" && stopped === succeeded) return "Succeeded";
  return "Running";
}

function condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status: ok ? "True" : "False" };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function initializedCondition(
  pod: Pod,
  init: ContainerStatus[],
  regular: ContainerStatus[],
  phase: string,
): PodCondition {
  if (phase === "Succeeded") return condition("Initialized", true, "PodCompleted");
  // Once a regular container has started the pod was initialized, even if init containers rerun.
  if (regular.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated)) {
    return condition("Initialized", true);
  }
  const incomplete = (pod.spec?.initContainers ?? [])
    .map((c) => c.name ?? "")
    .filter((name) => {
      const t = init.find((s) => s.name === name)?.state?.terminated;
      return t?.exitCode !== 0;
    });
  if (incomplete.length === 0) return condition("Initialized", true);
  return condition(
    "Initialized",
    false,
    "ContainersNotInitialized",
    `containers with incomplete status: ${goList(incomplete)}`,
  );
}

function containersReadyCondition(pod: Pod, regular: ContainerStatus[], phase: string): PodCondition {
  if (phase === "Succeeded") return condition("ContainersReady", false, "PodCompleted");
  if (phase === "Failed") return condition("ContainersReady", false, "PodFailed");
  const unready = (pod.spec?.containers ?? [])
    .map((c) => c.name ?? "")
    .filter((name) => !regular.find((s) => s.name === name)?.ready);
  if (unready.length === 0) return condition("ContainersReady", true);
  return condition(
    "ContainersReady",
    false,
    "ContainersNotReady",
    `containers with unready status: ${goList(unready)}`,
  );
}

/** Keeps a condition's lastTransitionTime while its status is unchanged, as kubelet's status manager does. */
function stamp(
  c: PodCondition,
  previous: PodStatus | undefined,
  now: number,
  generation: number | undefined,
): PodCondition {
  const old = previous?.conditions?.find((p) => p.type === c.type);
  const out: PodCondition = { ...c };
  if (generation !== undefined) out.observedGeneration = generation;
  out.lastTransitionTime =
    old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now);
  return out;
}

export function generatePodStatus(
  inputs: PodStatusInputs,
  sandboxReady: boolean,
  podIP: string | undefined,
): PodStatus {
  const { pod, previous, now } = inputs;
  const init = (pod.spec?.initContainers ?? []).map((c) => containerStatus(c, "init", inputs));
  const regular = (pod.spec?.containers ?? []).map((c) => containerStatus(c, "regular", inputs));
  const phase = podPhase(pod, init, regular, inputs.terminal);
  const containersReady = containersReadyCondition(pod, regular, phase);
  const ready =
    containersReady.status === "True"
      ? condition("Ready", true)
      : condition("Ready", false, containersReady.reason, containersReady.message);
  const generation = pod.metadata.generation;
  const owned = [
    condition("PodReadyToStartContainers", sandboxReady),
    initializedCondition(pod, init, regular, phase),
    ready,
    containersReady,
  ].map((c) => stamp(c, previous, now, generation));
  const scheduled = previous?.conditions?.find((c) => c.type === "PodScheduled") ?? {
    type: "PodScheduled",
    status: "True",
    lastTransitionTime: rfc3339(now),
  };
  const others = (previous?.conditions ?? []).filter(
    (c) => c.type !== "PodScheduled" && !KUBELET_CONDITIONS.includes(c.type ?? ""),
  );

  const status: PodStatus = { phase, conditions: [...owned, scheduled, ...others] };
  if (generation !== undefined) status.observedGeneration = generation;
  if (inputs.hostIPs[0]) {
    status.hostIP = inputs.hostIPs[0];
    status.hostIPs = inputs.hostIPs.map((ip) => ({ ip }));
  }
  const ip = podIP ?? previous?.podIP;
  if (ip) {
    status.podIP = ip;
    status.podIPs = [{ ip }];
  }
  status.startTime = previous?.startTime ?? rfc3339(now);
  if (init.length > 0) status.initContainerStatuses = init;
  status.containerStatuses = regular;
  if (pod.status?.qosClass) status.qosClass = pod.status.qosClass;
  return status;
}
