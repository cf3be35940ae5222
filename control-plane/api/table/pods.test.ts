import { describe, expect, it } from "vitest";
import { initSpec, one, pod, ready, running, terminated, two, waiting } from "./pods.fixtures.ts";
import { summarizePod } from "./pods.ts";
import { ago } from "./testing.ts";

describe("pod status reason", () => {
  it.each([
    ["no status at all", pod(one, {}), "", "0/1"],
    ["pending, unscheduled", pod(one, { phase: "Pending" }), "Pending", "0/1"],
    [
      "scheduling gated",
      pod(one, {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
      }),
      "SchedulingGated",
      "0/1",
    ],
    [
      "container creating",
      pod(one, { phase: "Pending", containerStatuses: [waiting("ContainerCreating")] }),
      "ContainerCreating",
      "0/1",
    ],
    ["running and ready", pod(one, { phase: "Running", containerStatuses: [ready()] }), "Running", "1/1"],
    [
      "running, not ready yet",
      pod(one, { phase: "Running", containerStatuses: [{ name: "app", ready: false, state: running }] }),
      "Running",
      "0/1",
    ],
    [
      "completed",
      pod(one, { phase: "Succeeded", containerStatuses: [terminated({ exitCode: 0, reason: "Completed" })] }),
      "Completed",
      "0/1",
    ],
    [
      "error",
      pod(one, { phase: "Failed", containerStatuses: [terminated({ exitCode: 1, reason: "Error" })] }),
      "Error",
      "0/1",
    ],
    [
      "oom killed",
      pod(one, { phase: "Running", containerStatuses: [terminated({ exitCode: 137, reason: "OOMKilled" })] }),
      "OOMKilled",
      "0/1",
    ],
    [
      "terminated without a reason: signal",
      pod(one, { phase: "Running", containerStatuses: [terminated({ exitCode: 137, signal: 9 })] }),
      "Signal:9",
      "0/1",
    ],
    [
      "terminated without a reason: exit code",
      pod(one, { phase: "Running", containerStatuses: [terminated({ exitCode: 2 })] }),
      "ExitCode:2",
      "0/1",
    ],
    [
      "crash loop",
      pod(one, { phase: "Running", containerStatuses: [waiting("CrashLoopBackOff")] }),
      "CrashLoopBackOff",
      "0/1",
    ],
    [
      "image pull backoff",
      pod(one, { phase: "Pending", containerStatuses: [waiting("ImagePullBackOff")] }),
      "ImagePullBackOff",
      "0/1",
    ],
    [
      "err image pull",
      pod(one, { phase: "Pending", containerStatuses: [waiting("ErrImagePull")] }),
      "ErrImagePull",
      "0/1",
    ],
    [
      "the first container's problem wins over a later one's",
      pod(two, {
        phase: "Running",
        containerStatuses: [waiting("ErrImagePull", "a"), waiting("CrashLoopBackOff", "b")],
      }),
      "ErrImagePull",
      "0/2",
    ],
    [
      "one of two completed, the other serving, pod Ready",
      pod(two, {
        phase: "Running",
        conditions: [{ type: "Ready", status: "True" }],
        containerStatuses: [terminated({ exitCode: 0, reason: "Completed" }, "a"), ready("b")],
      }),
      "Running",
      "1/2",
    ],
    [
      "one of two completed, the other serving, pod not Ready",
      pod(two, {
        phase: "Running",
        conditions: [{ type: "Ready", status: "False" }],
        containerStatuses: [terminated({ exitCode: 0, reason: "Completed" }, "a"), ready("b")],
      }),
      "NotReady",
      "1/2",
    ],
    [
      "pod-level reason (evicted)",
      pod(one, { phase: "Failed", reason: "Evicted", containerStatuses: [] }),
      "Evicted",
      "0/1",
    ],
    [
      "first init container still running",
      pod(initSpec(1), { phase: "Pending", initContainerStatuses: [{ name: "init-0", state: running }] }),
      "Init:0/1",
      "0/1",
    ],
    [
      "second of two init containers pending",
      pod(initSpec(2), {
        phase: "Pending",
        initContainerStatuses: [
          terminated({ exitCode: 0, reason: "Completed" }, "init-0"),
          waiting("PodInitializing", "init-1"),
        ],
      }),
      "Init:1/2",
      "0/1",
    ],
    [
      "init container crash looping",
      pod(initSpec(1), { phase: "Pending", initContainerStatuses: [waiting("CrashLoopBackOff", "init-0")] }),
      "Init:CrashLoopBackOff",
      "0/1",
    ],
    [
      "init container failed",
      pod(initSpec(1), {
        phase: "Pending",
        initContainerStatuses: [terminated({ exitCode: 1, reason: "Error" }, "init-0")],
      }),
      "Init:Error",
      "0/1",
    ],
    [
      "init container killed without a reason",
      pod(initSpec(1), {
        phase: "Pending",
        initContainerStatuses: [terminated({ exitCode: 137, signal: 9 }, "init-0")],
      }),
      "Init:Signal:9",
      "0/1",
    ],
    [
      "init container exited without a reason",
      pod(initSpec(1), { phase: "Pending", initContainerStatuses: [terminated({ exitCode: 3 }, "init-0")] }),
      "Init:ExitCode:3",
      "0/1",
    ],
    [
      "all init containers done, app creating",
      pod(initSpec(1), {
        phase: "Pending",
        initContainerStatuses: [terminated({ exitCode: 0, reason: "Completed" }, "init-0")],
        containerStatuses: [waiting("ContainerCreating")],
      }),
      "ContainerCreating",
      "0/1",
    ],
    [
      "terminating",
      pod(one, { phase: "Running", containerStatuses: [ready()] }, { deletionTimestamp: ago(0) }),
      "Terminating",
      "1/1",
    ],
    [
      "deleted after it finished keeps its final reason",
      pod(
        one,
        { phase: "Succeeded", containerStatuses: [terminated({ exitCode: 0, reason: "Completed" })] },
        { deletionTimestamp: ago(0) },
      ),
      "Completed",
      "0/1",
    ],
    [
      "node lost",
      pod(one, { phase: "Running", reason: "NodeLost", containerStatuses: [ready()] }, { deletionTimestamp: ago(0) }),
      "Unknown",
      "1/1",
    ],
    [
      "node lost but not being deleted shows the pod reason",
      pod(one, { phase: "Running", reason: "NodeLost", containerStatuses: [ready()] }),
      "NodeLost",
      "1/1",
    ],
  ])("%s", (_name, p, reason, readyCell) => {
    const s = summarizePod(p);
    expect(s.reason).toBe(reason);
    expect(`${s.ready}/${s.total}`).toBe(readyCell);
  });
});
