import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LABEL_SPEC_HASH } from "../runtime/types.ts";
import { container, makePod } from "./testing/fixtures.ts";
import { Harness, until } from "./testing/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

const deleting = (pod: ReturnType<typeof makePod>, grace: number) => ({
  ...pod,
  metadata: { ...pod.metadata, deletionTimestamp: "2025-01-01T12:00:05Z", deletionGracePeriodSeconds: grace },
});

describe("graceful deletion", () => {
  it("stops containers with the pod's grace period, then reports the pod terminated", async () => {
    h = await Harness.create();
    const pod = makePod("del", { containers: [container("web"), container("side")] });
    await h.set([pod]);
    h.runtime.stopExitCode = 0; // both handle SIGTERM
    await h.set([deleting(pod, 45)]);
    expect(h.runtime.stops.map((s) => `${s.name} ${s.timeoutSeconds}`).sort()).toEqual(["side 45", "web 45"]);
    expect(h.eventTexts()).toEqual(
      expect.arrayContaining(["Normal Killing Stopping container web", "Normal Killing Stopping container side"]),
    );
    const status = h.status("uid-del");
    expect(status.phase).toBe("Succeeded");
    expect(status.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(status.conditions?.[0]).toMatchObject({ type: "PodReadyToStartContainers", status: "False" });
    expect(h.terminated).toEqual([{ uid: "uid-del", namespace: "default", name: "del" }]);
    // Containers killed by SIGKILL would have made it Failed; nothing is restarted either way.
    await h.tick(30_000);
    expect(h.runtime.named("web")).toHaveLength(1);
    expect(h.terminated).toHaveLength(1);

    // The session deletes the pod: everything it had on the node goes.
    await h.set([]);
    expect(h.runtime.containers.size).toBe(0);
    expect(h.runtime.sandboxes.size).toBe(0);
  });

  it("runs the preStop hook first and gives the container what remains of the grace period", async () => {
    h = await Harness.create();
    const web = container("web", { lifecycle: { preStop: { sleep: { seconds: 10 } } } });
    const pod = makePod("hook", { containers: [web] });
    await h.set([pod]);
    h.manager.setDesired([deleting(pod, 30)], [], []);
    // The hook sleeps on the agent's clock, so the sync waits on the clock: move it by hand here
    // (tick() would wait for that sync to finish first).
    await until(() => h.reasons().includes("Killing"), "the Killing event");
    for (let i = 0; i < 9; i++) h.clock.advance(1000);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(h.runtime.stops).toHaveLength(0);
    h.clock.advance(1000);
    await h.manager.settled();
    expect(h.runtime.stops).toEqual([expect.objectContaining({ name: "web", timeoutSeconds: 20 })]);
    expect(h.status("uid-hook").phase).toBe("Failed"); // exit 137
    expect(h.terminated).toHaveLength(1);
  });
});

describe("agent restart", () => {
  it("adopts running containers without restarting them", async () => {
    h = await Harness.create();
    h.runtime.exec = () => ({ exitCode: 0, stdout: new Uint8Array(), stderr: new Uint8Array() });
    const readinessProbe = { exec: { command: ["ready"] }, periodSeconds: 10 };
    const pod = makePod("adopt", {
      initContainers: [container("init")],
      containers: [container("web", { readinessProbe })],
    });
    await h.set([pod]);
    h.runtime.exit("init", 0);
    await h.tick(2000);
    const before = h.status("uid-adopt");
    expect(before.containerStatuses?.[0]?.ready).toBe(true);
    const calls = h.runtime.calls.length;
    const apiPod = { ...pod, status: before };

    h.statuses.length = 0;
    await h.set([apiPod]);
    await h.restartAgent();
    await h.tick(5000);
    expect(h.runtime.calls.slice(calls)).toEqual([]);
    // Same status (the API already has it, readiness included): nothing to send.
    expect(JSON.stringify(h.statuses, null, 1)).toEqual("[]");
  });

  it("replaces a container whose spec changed, and removes pods no longer desired", async () => {
    h = await Harness.create();
    const keep = makePod("keep");
    const gone = makePod("gone");
    await h.set([keep, gone]);
    const oldWeb = h.runtime.running("web", "uid-keep");
    const changed = makePod("keep", { containers: [container("web", { image: "registry.local/app:2.0" })] });
    // While the agent was down, "gone" was deleted and "keep" got a new image.
    await h.restartAgent([changed]);
    await h.tick(2000);
    expect(h.eventTexts()).toContain("Normal Killing Container web definition changed, will be restarted");
    const newWeb = h.runtime.running("web", "uid-keep");
    expect(newWeb?.id).not.toBe(oldWeb?.id);
    expect(newWeb?.config.image).toBe("registry.local/app:2.0");
    expect(newWeb?.labels[LABEL_SPEC_HASH]).not.toBe(oldWeb?.labels[LABEL_SPEC_HASH]);
    expect([...h.runtime.sandboxes.values()].map((s) => s.name)).toEqual(["keep"]);
    expect(h.runtime.named("web").every((c) => c.labels["io.kubernetes.pod.uid"] === "uid-keep")).toBe(true);
  });

  it("after a reboot that emptied the runtime, re-creates the pod and continues the restart count from its logs", async () => {
    h = await Harness.create();
    const pod = makePod("boot");
    await h.set([pod]);
    const logDir = join(h.dir, "logs", "default_boot_uid-boot", "web");
    await mkdir(logDir, { recursive: true });
    await writeFile(join(logDir, "3.log"), "");
    // The runtime's state lived on tmpfs: after the reboot nothing runs.
    h.runtime.containers.clear();
    h.runtime.sandboxes.clear();
    await h.restartAgent();
    expect(h.runtime.running("web")?.attempt).toBe(4);
    expect([...h.runtime.sandboxes.values()].map((s) => s.attempt)).toEqual([0]);
  });

  it("does not start a pod the API already records as finished", async () => {
    h = await Harness.create();
    const done = makePod("done", { restartPolicy: "Never" });
    done.status = { ...done.status, phase: "Succeeded" };
    await h.set([done]);
    await h.tick(5000);
    expect(h.runtime.calls).toEqual([]);
    expect(h.statuses).toEqual([]);
  });
});
