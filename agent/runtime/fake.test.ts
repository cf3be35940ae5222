import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runtimeContract } from "./contract.ts";
import { criLogLines } from "./cri-log.ts";
import { type FakeImage, FakeNodeState, FakeRuntime } from "./fake.ts";
import { containerConfig, podConfig } from "./testing.ts";
import { RuntimeError } from "./types.ts";

const IMAGES: Record<string, FakeImage> = {
  "fake.local/hello:1": { output: [{ stream: "stdout", line: "hello from wasm" }], exitAfterMs: 20 },
  "fake.local/fail:1": {
    output: [{ stream: "stderr", line: "failing with exit code 3" }],
    exitAfterMs: 20,
    exitCode: 3,
  },
  "fake.local/ticker:1": { output: [{ stream: "stdout", line: "tick 1" }] },
  "fake.local/stubborn:1": { ignoresSigterm: true },
  "fake.local/hog:1": { output: [{ stream: "stdout", line: "allocating" }], oomOnStart: true },
};

// One FakeNodeState per state directory: a second runtime over the same directory is the same node.
const nodes = new Map<string, FakeNodeState>();
const makeRuntime = (stateDir: string) => {
  let state = nodes.get(stateDir);
  if (state === undefined) {
    state = new FakeNodeState();
    nodes.set(stateDir, state);
  }
  return new FakeRuntime({ images: IMAGES, state });
};

runtimeContract(
  "fake",
  makeRuntime,
  () => ({
    hello: { image: "fake.local/hello:1", stdout: "hello from wasm" },
    failing: { image: "fake.local/fail:1", exitCode: 3, stderr: "failing with exit code 3" },
    ticker: { image: "fake.local/ticker:1", stdout: /^tick \d+$/ },
    stubborn: { image: "fake.local/stubborn:1" },
    memoryHog: { image: "fake.local/hog:1", memoryLimitBytes: 32 << 20 },
    missingImage: "fake.local/missing:1",
    malformedImage: "Fake.Local/UPPER CASE:!",
  }),
  { handler: "wasm" },
);

describe("fake runtime", () => {
  const logs = mkdtempSync(join(tmpdir(), "kflare-fake-"));
  afterAll(() => rmSync(logs, { recursive: true, force: true }));

  /** A manual clock: exits happen when the test advances it, never on their own. */
  const manual = () => {
    let t = 1_000_000;
    return {
      now: () => t,
      sleep: async (ms: number) => {
        t += ms;
      },
      advance: (ms: number) => {
        t += ms;
      },
    };
  };

  test("containers exit when their time comes, on the injected clock", async () => {
    const clock = manual();
    const runtime = new FakeRuntime({ images: IMAGES, now: clock.now, sleep: clock.sleep });
    const pod = podConfig({ uid: "u1", logDirectory: join(logs, "u1") });
    await runtime.pullImage("fake.local/hello:1");
    const sandboxId = await runtime.runPodSandbox(pod);
    const id = await runtime.createContainer(
      sandboxId,
      containerConfig({ name: "c", image: "fake.local/hello:1" }),
      pod,
    );
    await runtime.startContainer(id);
    expect((await runtime.containerStatus(id))?.state).toBe("running");
    clock.advance(19);
    expect((await runtime.containerStatus(id))?.state).toBe("running");
    clock.advance(1);
    expect(await runtime.containerStatus(id)).toMatchObject({ state: "exited", exitCode: 0, finishedAt: 1_000_020 });
    const status = await runtime.containerStatus(id);
    expect(criLogLines(readFileSync(status?.logPath ?? "", "utf8"), "stdout")).toEqual(["hello from wasm"]);
  });

  test("a container that ignores SIGTERM is killed after the grace period (137)", async () => {
    const clock = manual();
    const images = { "stubborn:1": { ignoresSigterm: true } };
    const runtime = new FakeRuntime({ images, now: clock.now, sleep: clock.sleep });
    const pod = podConfig({ uid: "u2", logDirectory: join(logs, "u2") });
    await runtime.pullImage("stubborn:1");
    const sandboxId = await runtime.runPodSandbox(pod);
    const id = await runtime.createContainer(sandboxId, containerConfig({ name: "c", image: "stubborn:1" }), pod);
    await runtime.startContainer(id);
    await runtime.stopContainer(id, 30);
    expect(await runtime.containerStatus(id)).toMatchObject({ state: "exited", exitCode: 137, finishedAt: 1_030_000 });
  });

  test("pull failures and short names", async () => {
    const runtime = new FakeRuntime({ images: { nginx: {}, "bad:1": { pullError: "unauthorized" } } });
    expect(await runtime.pullImage("docker.io/library/nginx:latest")).toMatch(/^docker.io\/library\/nginx@sha256:/);
    expect(await runtime.imageStatus("nginx")).toBe(await runtime.imageStatus("nginx:latest"));
    const error = await runtime.pullImage("bad:1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error).toMatchObject({ reason: "ErrImagePull", message: "bad:1: unauthorized" });
  });

  test("execSync: configured result, and refused when not running", async () => {
    const exec = () => ({ exitCode: 7, stdout: new Uint8Array(), stderr: new TextEncoder().encode("no") });
    const runtime = new FakeRuntime({ images: { "x:1": { exec }, "y:1": { exitAfterMs: 0 } } });
    const pod = podConfig({ uid: "u3", logDirectory: join(logs, "u3") });
    const sandboxId = await runtime.runPodSandbox(pod);
    for (const image of ["x:1", "y:1"]) await runtime.pullImage(image);
    const x = await runtime.createContainer(sandboxId, containerConfig({ name: "x", image: "x:1" }), pod);
    const y = await runtime.createContainer(sandboxId, containerConfig({ name: "y", image: "y:1" }), pod);
    await runtime.startContainer(x);
    await runtime.startContainer(y);
    expect((await runtime.execSync(x, ["probe"], 1)).exitCode).toBe(7);
    await expect(runtime.execSync(y, ["probe"], 1)).rejects.toMatchObject({ reason: "ContainerNotRunning" });
  });
});
