import { describe, expect, it } from "vitest";
import type { ContainerStatus } from "../../schemas/core/pod-status.ts";
import { podPhase } from "./pod-status.ts";
import { makePod } from "./testing/fixtures.ts";

const running: ContainerStatus = { name: "c", state: { running: {} } };
const done = (exitCode: number): ContainerStatus => ({ name: "c", state: { terminated: { exitCode } } });
const waiting: ContainerStatus = { name: "c", state: { waiting: { reason: "ContainerCreating" } } };
const crashLooping: ContainerStatus = {
  name: "c",
  state: { waiting: { reason: "CrashLoopBackOff" } },
  lastState: { terminated: { exitCode: 1 } },
};

describe("pod phase, as kubelet's getPhase", () => {
  it.each([
    ["Always", [], [running], false, "Running"],
    ["Always", [], [running, waiting], false, "Pending"],
    ["Always", [], [crashLooping], false, "Running"],
    ["Always", [], [done(0)], false, "Running"],
    ["Always", [], [done(0)], true, "Succeeded"],
    ["Always", [], [done(137)], true, "Failed"],
    ["OnFailure", [], [done(0), done(0)], false, "Succeeded"],
    ["OnFailure", [], [done(0), done(1)], false, "Running"],
    ["Never", [], [done(0), done(1)], false, "Failed"],
    ["Never", [], [done(0), running], false, "Running"],
    ["Never", [done(1)], [waiting], false, "Failed"],
    ["Always", [crashLooping], [waiting], false, "Pending"],
    ["Always", [running], [waiting], false, "Pending"],
    ["Always", [done(0)], [running], false, "Running"],
  ] as const)("%s, init %j, containers %j, terminal %s: %s", (policy, init, regular, terminal, phase) => {
    const pod = makePod("p", { restartPolicy: policy });
    expect(podPhase(pod, [...init], [...regular], terminal)).toBe(phase);
  });
});
