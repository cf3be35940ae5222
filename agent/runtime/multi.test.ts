// The MultiRuntime: the shared contract through it (sandboxes of the non-default handler), and
// routing: a sandbox and its containers live in the runtime serving its handler.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { runtimeContract } from "./contract.ts";
import { type FakeImage, FakeNodeState, FakeRuntime } from "./fake.ts";
import { MultiRuntime } from "./multi.ts";
import { containerConfig, podConfig } from "./testing.ts";
import { RuntimeError } from "./types.ts";

const IMAGES: Record<string, FakeImage> = {
  "fake.local/hello:1": { output: [{ stream: "stdout", line: "hello" }], exitAfterMs: 20 },
  "fake.local/fail:1": { output: [{ stream: "stderr", line: "failing" }], exitAfterMs: 20, exitCode: 3 },
  "fake.local/ticker:1": { output: [{ stream: "stdout", line: "tick 1" }] },
  "fake.local/stubborn:1": { ignoresSigterm: true },
  "fake.local/hog:1": { oomOnStart: true },
};

const nodes = new Map<string, [FakeNodeState, FakeNodeState]>();
const pair = (stateDir: string) => {
  let states = nodes.get(stateDir);
  if (states === undefined) {
    states = [new FakeNodeState(), new FakeNodeState()];
    // Real runtimes' ids never collide (containerd's are 64 hex digits); the fakes count from 1.
    states[1].nextId = 1_000_000;
    nodes.set(stateDir, states);
  }
  const runc = new FakeRuntime({ images: IMAGES, state: states[0], handlers: ["runc"] });
  const wasm = new FakeRuntime({ images: IMAGES, state: states[1], handlers: ["wasm"] });
  return { runc, wasm, multi: new MultiRuntime([runc, wasm]) };
};

runtimeContract(
  "multi (containerd + wasm fakes)",
  (stateDir) => pair(stateDir).multi,
  () => ({
    hello: { image: "fake.local/hello:1", stdout: "hello" },
    failing: { image: "fake.local/fail:1", exitCode: 3, stderr: "failing" },
    ticker: { image: "fake.local/ticker:1", stdout: /^tick \d+$/ },
    stubborn: { image: "fake.local/stubborn:1" },
    memoryHog: { image: "fake.local/hog:1", memoryLimitBytes: 32 << 20 },
    missingImage: "fake.local/missing:1",
    malformedImage: "Fake.Local/UPPER CASE:!",
  }),
  { handler: "wasm" },
);

describe("MultiRuntime routing", () => {
  test("handlers of all runtimes, the first is the default; sandboxes land by handler", async () => {
    const { runc, wasm, multi } = pair("routing");
    expect(multi.handlers).toEqual(["runc", "wasm"]);
    expect(multi.name).toBe("fake+fake");
    // The fake writes container logs: into a directory of this test's own, removed after it.
    const logs = await mkdtemp(join(tmpdir(), "kflare-multi-logs-"));
    onTestFinished(() => rm(logs, { recursive: true, force: true }));
    const podW = podConfig({ uid: "w", runtimeHandler: "wasm", logDirectory: join(logs, "w") });
    const podC = podConfig({ uid: "c", runtimeHandler: "", logDirectory: join(logs, "c") });
    await multi.pullImage("fake.local/ticker:1", undefined, "wasm");
    expect(await wasm.imageStatus("fake.local/ticker:1")).toBeDefined();
    expect(await runc.imageStatus("fake.local/ticker:1")).toBeUndefined();
    await multi.pullImage("fake.local/ticker:1");
    const w = await multi.runPodSandbox(podW);
    const c = await multi.runPodSandbox(podC);
    expect((await wasm.listPodSandboxes()).map((s) => s.id)).toEqual([w]);
    expect((await runc.listPodSandboxes()).map((s) => s.id)).toEqual([c]);
    const id = await multi.createContainer(w, containerConfig({ name: "m", image: "fake.local/ticker:1" }), podW);
    await multi.startContainer(id);
    expect((await wasm.containerStatus(id))?.state).toBe("running");
    // A fresh MultiRuntime (agent restart) finds owners by asking.
    const again = new MultiRuntime([runc, wasm]);
    await again.stopContainer(id, 0);
    expect((await wasm.containerStatus(id))?.state).toBe("exited");
    await expect(multi.runPodSandbox(podConfig({ uid: "x", runtimeHandler: "gvisor" }))).rejects.toBeInstanceOf(
      RuntimeError,
    );
  });
});
