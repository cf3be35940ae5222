import { afterEach, describe, expect, it } from "vitest";
import { configMap, container, makePod, SCHEDULED_AT } from "./testing/fixtures.ts";
import { Harness } from "./testing/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

const T0 = "2025-01-01T12:00:00Z";

describe("a pod runs", () => {
  it("creates the sandbox, pulls, starts and reports Running with kubelet's conditions", async () => {
    h = await Harness.create();
    const pod = makePod("web-1");
    await h.set([pod]);

    expect(h.runtime.calls).toEqual([
      "runPodSandbox web-1 0",
      "pullImage registry.local/app:1.0",
      "createContainer web 0",
      "startContainer web 0",
    ]);
    const c = h.runtime.running("web");
    expect(c?.labels["io.kubernetes.pod.uid"]).toBe("uid-web-1");
    expect(h.status("uid-web-1")).toEqual({
      phase: "Running",
      conditions: [
        { type: "PodReadyToStartContainers", status: "True", lastTransitionTime: T0 },
        { type: "Initialized", status: "True", lastTransitionTime: T0 },
        { type: "Ready", status: "True", lastTransitionTime: T0 },
        { type: "ContainersReady", status: "True", lastTransitionTime: T0 },
        { type: "PodScheduled", status: "True", lastTransitionTime: SCHEDULED_AT },
      ],
      hostIP: "192.168.1.20",
      hostIPs: [{ ip: "192.168.1.20" }],
      podIP: "10.42.0.10",
      podIPs: [{ ip: "10.42.0.10" }],
      startTime: T0,
      containerStatuses: [
        {
          name: "web",
          state: { running: { startedAt: T0 } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: "registry.local/app:1.0",
          imageID: c?.imageRef,
          containerID: `fake://${c?.id}`,
          started: true,
        },
      ],
      qosClass: "BestEffort",
    });
    expect(h.eventTexts()).toEqual([
      'Normal Pulling Pulling image "registry.local/app:1.0"',
      'Normal Pulled Successfully pulled image "registry.local/app:1.0" in 0s (0s including waiting)',
      "Normal Created Created container: web",
      "Normal Started Started container web",
    ]);
    expect(h.events[0]?.involvedObject).toEqual({
      kind: "Pod",
      apiVersion: "v1",
      namespace: "default",
      name: "web-1",
      uid: "uid-web-1",
      resourceVersion: "10",
      fieldPath: "spec.containers{web}",
    });
  });

  it("emits a status only when something changed, keeping transition times", async () => {
    h = await Harness.create();
    await h.set([makePod("idle")]);
    const count = h.statusCount("uid-idle");
    const events = h.events.length;
    const calls = h.runtime.calls.length;
    await h.tick(120_000);
    expect(h.statusCount("uid-idle")).toBe(count);
    expect(h.events.length).toBe(events);
    expect(h.runtime.calls.length).toBe(calls);
    h.runtime.exit("web", 1);
    await h.tick(1000);
    const status = h.status("uid-idle");
    // Restarted at once (the first restart has no back-off); Ready went False and back to True.
    expect(status.containerStatuses?.[0]?.restartCount).toBe(1);
    expect(status.conditions?.find((c) => c.type === "PodScheduled")?.lastTransitionTime).toBe(SCHEDULED_AT);
    expect(status.conditions?.find((c) => c.type === "PodReadyToStartContainers")?.lastTransitionTime).toBe(T0);
  });

  it("reports a pod waiting for a second container as Pending with ContainersNotReady", async () => {
    h = await Harness.create();
    h.runtime.pullErrors.set(
      "registry.local/missing:1",
      new (await import("../runtime/types.ts")).RuntimeError("ErrImagePull", "not found"),
    );
    await h.set([
      makePod("two", { containers: [container("web"), container("side", { image: "registry.local/missing:1" })] }),
    ]);
    const status = h.status("uid-two");
    expect(status.phase).toBe("Pending");
    expect(status.conditions?.find((c) => c.type === "ContainersReady")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
      message: "containers with unready status: [side]",
    });
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
    });
    expect(status.containerStatuses?.[1]?.state).toEqual({ waiting: { reason: "ErrImagePull", message: "not found" } });
  });
});

describe("assignments", () => {
  it("sync only the pods they change: the same pods again cost nothing, one changed pod one sync", async () => {
    h = await Harness.create();
    const pods = Array.from({ length: 20 }, (_, i) => makePod(`p${i}`));
    await h.set(pods);
    expect(h.runtime.named("web")).toHaveLength(20);

    h.runtime.sandboxLists = 0;
    await h.set(pods.map((p) => structuredClone(p)));
    expect(h.runtime.sandboxLists).toBe(0);

    const relabelled = pods.map((p, i) =>
      i === 7 ? { ...p, metadata: { ...p.metadata, labels: { tier: "web" }, resourceVersion: "11" } } : p,
    );
    await h.set(relabelled);
    // One pod's sync looks at the runtime before and after: a couple of lists, not one per pod.
    expect(h.runtime.sandboxLists).toBeGreaterThan(0);
    expect(h.runtime.sandboxLists).toBeLessThanOrEqual(3);

    // A ConfigMap the pods may use changed: every pod is synced (their volumes and env).
    h.runtime.sandboxLists = 0;
    await h.set(relabelled, [configMap("settings", { level: "info" })]);
    expect(h.runtime.sandboxLists).toBeGreaterThanOrEqual(20);
  });
});
