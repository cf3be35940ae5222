import { afterEach, describe, expect, it } from "vitest";
import { container, makePod } from "./testing/fixtures.ts";
import { Harness } from "./testing/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

const waitingOf = (uid: string) => h.status(uid).containerStatuses?.[0]?.state?.waiting;

describe("init containers", () => {
  it("run one at a time, in order, each to completion, before the containers", async () => {
    h = await Harness.create();
    const pod = makePod("init", { initContainers: [container("first"), container("second")] });
    await h.set([pod]);
    expect(h.runtime.calls.filter((c) => c.startsWith("start"))).toEqual(["startContainer first 0"]);
    let status = h.status("uid-init");
    expect(status.phase).toBe("Pending");
    expect(status.conditions?.find((c) => c.type === "Initialized")).toMatchObject({
      status: "False",
      reason: "ContainersNotInitialized",
      message: "containers with incomplete status: [first second]",
    });
    expect(status.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(status.initContainerStatuses?.[1]?.state).toEqual({ waiting: { reason: "PodInitializing" } });

    h.runtime.exit("first", 0);
    await h.tick(1000);
    expect(h.runtime.calls.filter((c) => c.startsWith("start"))).toEqual([
      "startContainer first 0",
      "startContainer second 0",
    ]);
    expect(h.status("uid-init").initContainerStatuses?.[0]).toMatchObject({
      ready: true,
      state: { terminated: { exitCode: 0, reason: "Completed" } },
    });

    h.runtime.exit("second", 0);
    await h.tick(1000);
    expect(h.runtime.calls.filter((c) => c.startsWith("start"))).toEqual([
      "startContainer first 0",
      "startContainer second 0",
      "startContainer web 0",
    ]);
    status = h.status("uid-init");
    expect(status.phase).toBe("Running");
    expect(status.conditions?.find((c) => c.type === "Initialized")).toMatchObject({ status: "True" });
  });

  it("retries a failing init container with back-off, and fails the pod under restartPolicy Never", async () => {
    h = await Harness.create();
    h.runtime.exitOnStart.set("setup", 1);
    await h.set([makePod("retry", { initContainers: [container("setup")] })]);
    // It failed at once; the relist restarts it (no back-off the first time), the next finds it failed again.
    await h.tick(2000);
    expect(h.runtime.named("setup")).toHaveLength(2);
    expect(h.status("uid-retry").initContainerStatuses?.[0]?.state?.waiting?.reason).toBe("CrashLoopBackOff");
    expect(h.status("uid-retry").phase).toBe("Pending");
    expect(h.runtime.named("web")).toHaveLength(0);

    await h.set([makePod("never", { restartPolicy: "Never", initContainers: [container("setup")] })]);
    await h.tick(1000);
    const status = h.status("uid-never");
    expect(status.phase).toBe("Failed");
    expect(status.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(h.runtime.named("setup").filter((c) => c.labels["io.kubernetes.pod.uid"] === "uid-never")).toHaveLength(1);
    // Nothing will run again: the sandbox is stopped.
    expect(status.conditions?.[0]).toMatchObject({ type: "PodReadyToStartContainers", status: "False" });
  });
});

describe("restart policies", () => {
  it("Always restarts whatever the exit code", async () => {
    h = await Harness.create();
    await h.set([makePod("always")]);
    h.runtime.exit("web", 0);
    await h.tick(1000);
    expect(h.runtime.running("web")?.attempt).toBe(1);
    const status = h.status("uid-always");
    expect(status.phase).toBe("Running");
    expect(status.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
  });

  it("OnFailure restarts a failed container and lets a successful one finish: Succeeded", async () => {
    h = await Harness.create();
    await h.set([makePod("onfail", { restartPolicy: "OnFailure" })]);
    h.runtime.exit("web", 2);
    await h.tick(1000);
    expect(h.runtime.running("web")?.attempt).toBe(1);
    h.runtime.exit("web", 0);
    await h.tick(1000);
    const status = h.status("uid-onfail");
    expect(status.phase).toBe("Succeeded");
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "PodCompleted",
    });
    expect(status.conditions?.find((c) => c.type === "Initialized")).toMatchObject({
      status: "True",
      reason: "PodCompleted",
    });
    expect(h.runtime.named("web")).toHaveLength(2);
  });

  it("Never leaves a failed container dead: Failed", async () => {
    h = await Harness.create();
    await h.set([makePod("never", { restartPolicy: "Never" })]);
    h.runtime.exit("web", 3);
    await h.tick(5000);
    expect(h.runtime.named("web")).toHaveLength(1);
    const status = h.status("uid-never");
    expect(status.phase).toBe("Failed");
    expect(status.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(status.conditions?.find((c) => c.type === "ContainersReady")).toMatchObject({
      status: "False",
      reason: "PodFailed",
    });
  });
});

describe("CrashLoopBackOff", () => {
  it("waits 10s, 20s, 40s... capped at 5m0s, as the waiting message says", async () => {
    h = await Harness.create();
    h.runtime.exitOnStart.set("web", 1);
    await h.set([makePod("crash")]);
    // The first exit restarts at once; from the second on, the back-off applies.
    await h.tick(1000);
    const seen: string[] = [];
    const expected = ["10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s"];
    for (const delay of expected) {
      await h.tick(1000);
      const waiting = waitingOf("uid-crash");
      expect(waiting?.reason).toBe("CrashLoopBackOff");
      seen.push(/back-off (\S+) /.exec(waiting?.message ?? "")?.[1] ?? "");
      expect(waiting?.message).toBe(`back-off ${delay} restarting failed container=web pod=crash_default(uid-crash)`);
      const attempts = h.runtime.named("web").length;
      const ms =
        (delay.includes("m")
          ? Number(delay.split("m")[0]) * 60 + Number(delay.split("m")[1]?.replace("s", ""))
          : Number(delay.replace("s", ""))) * 1000;
      // One second short of the delay nothing restarts; at the delay it does.
      await h.tick(ms - 2000);
      expect(h.runtime.named("web").length).toBe(attempts);
      await h.tick(1000);
    }
    expect(seen).toEqual(expected);
    const status = h.status("uid-crash");
    expect(status.phase).toBe("Running");
    expect(status.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(h.reasons()).toContain("BackOff");
    expect(h.eventTexts()).toContain(
      "Warning BackOff Back-off restarting failed container web in pod crash_default(uid-crash)",
    );
    // Only the newest dead container is kept besides the running one.
    expect(h.runtime.named("web").length).toBeLessThanOrEqual(2);
  });

  it("starts over after a container ran for 10 minutes", async () => {
    h = await Harness.create({ timing: { crashLoop: { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 } } });
    await h.set([makePod("flaky")]);
    h.runtime.exit("web", 1); // restart 1: immediate
    await h.tick(1000);
    h.runtime.exit("web", 1); // back-off 10s
    await h.tick(1000);
    expect(waitingOf("uid-flaky")?.message).toContain("back-off 10s");
    await h.tick(10_000);
    h.runtime.exit("web", 1); // back-off 20s
    await h.tick(1000);
    expect(waitingOf("uid-flaky")?.message).toContain("back-off 20s");
    await h.tick(20_000);
    expect(h.runtime.running("web")).toBeDefined();
    await h.tick(600_000);
    h.runtime.exit("web", 1); // ran 10 min: restarts at once, as a first failure
    await h.tick(1000);
    expect(h.runtime.running("web")).toBeDefined();
    h.runtime.exit("web", 1);
    await h.tick(1000);
    expect(waitingOf("uid-flaky")?.message).toContain("back-off 10s");
  });
});
