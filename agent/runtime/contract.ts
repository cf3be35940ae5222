// The one contract every ContainerRuntime adapter passes (fake, wasm, and containerd later):
// what the agent's pod sync loop relies on, checked the same way against each of them.
// Call runtimeContract() from a *.test.ts file; it registers vitest tests.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { type CriLogRecord, parseCriLog } from "./cri-log.ts";
import { pause, podConfig, containerConfig as testContainerConfig, waitFor } from "./testing.ts";
import {
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  type PodSandboxConfig,
  RuntimeError,
} from "./types.ts";

/** Images (and what they do) that the adapter under test can run. */
export interface ContractFixtures {
  /** Prints `stdout` (one line) on stdout and exits 0. */
  hello: { image: string; stdout: string };
  /** Prints `stderr` (one line) on stderr and exits with `exitCode` (not 0). */
  failing: { image: string; exitCode: number; stderr: string };
  /** Prints lines matching `stdout` on stdout until it is stopped. */
  ticker: { image: string; stdout: RegExp };
  /** Runs until killed and ignores SIGTERM; absent where no guest can ignore it (wasm). */
  stubborn?: { image: string };
  /** Allocates memory until its limit; absent for adapters that cannot enforce memory limits. */
  memoryHog?: { image: string; memoryLimitBytes: number };
  /** Well-formed but not in any registry. */
  missingImage: string;
  /** Not a valid image reference. */
  malformedImage: string;
  /** When set, the tests skip with this reason (e.g. no registry to pull from). */
  skip?: string;
}

/** Makes a runtime over a state directory; called again with the same directory for "agent restart". */
export type RuntimeFactory = (stateDir: string) => ContainerRuntime | Promise<ContainerRuntime>;

export interface ContractOptions {
  /** False for runtimes whose guests cannot ignore SIGTERM (wasm): the kill-after-grace case is not run. */
  guestsCanIgnoreSigterm?: boolean;
  /** RuntimeClass handler used for the sandboxes. */
  handler: string;
  /** Per-test timeout (real runtimes start processes). */
  timeoutMs?: number;
}

/** A stopped container counts as stopped by a signal (143, 137) or by its own clean exit (0). */
const STOPPED_EXIT_CODES = [0, 137, 143];

export function runtimeContract(
  name: string,
  makeRuntime: RuntimeFactory,
  fixtures: () => ContractFixtures | Promise<ContractFixtures>,
  options: ContractOptions,
): void {
  describe(`${name}: runtime contract`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    const opened: ContainerRuntime[] = [];
    const dirs: string[] = [];

    const tempDir = (prefix: string) => {
      const dir = mkdtempSync(join(tmpdir(), `kflare-${prefix}-`));
      dirs.push(dir);
      return dir;
    };
    const open = async (stateDir: string) => {
      const runtime = await makeRuntime(stateDir);
      opened.push(runtime);
      return runtime;
    };
    /** A fresh runtime over a fresh state directory, and the fixtures (or a skip). */
    const setup = async (skip: (note: string) => never) => {
      const fx = await fixtures();
      if (fx.skip !== undefined) skip(fx.skip);
      const stateDir = tempDir("state");
      return { fx, stateDir, runtime: await open(stateDir), logDir: tempDir("logs") };
    };
    const sandbox = (logDir: string, uid: string): PodSandboxConfig =>
      podConfig({ uid, name: `pod-${uid}`, logDirectory: join(logDir, uid), runtimeHandler: options.handler });
    const container = (image: string, overrides: Partial<ContainerConfig> = {}) =>
      testContainerConfig({ name: "main", image, ...overrides });
    const run = async (runtime: ContainerRuntime, pod: PodSandboxConfig, config: ContainerConfig) => {
      await runtime.pullImage(config.image, undefined, options.handler);
      const sandboxId = await runtime.runPodSandbox(pod);
      const id = await runtime.createContainer(sandboxId, config, pod);
      await runtime.startContainer(id);
      return { sandboxId, id };
    };
    const exited = (runtime: ContainerRuntime, id: string) =>
      waitFor(async () => {
        const status = await runtime.containerStatus(id);
        return status?.state === "exited" ? status : undefined;
      }, 20_000);
    const logRecords = (status: ContainerStatus): CriLogRecord[] => {
      const { records, invalid } = parseCriLog(readFileSync(status.logPath, "utf8"));
      expect(invalid).toEqual([]);
      return records;
    };

    // Every test leaves nothing running: containers stopped and removed, sandboxes removed.
    afterEach(async () => {
      for (const runtime of opened.splice(0)) {
        for (const c of await runtime.listContainers()) {
          await runtime.stopContainer(c.id, 0);
          await runtime.removeContainer(c.id);
        }
        for (const s of await runtime.listPodSandboxes()) await runtime.removePodSandbox(s.id);
        await runtime.close();
      }
    });
    afterAll(() => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    test("version names the runtime; handlers include the one under test", async ({ skip }) => {
      const { runtime } = await setup(skip);
      const version = await runtime.version();
      expect(version.runtimeName.length).toBeGreaterThan(0);
      expect(version.runtimeVersion.length).toBeGreaterThan(0);
      expect(runtime.handlers).toContain(options.handler);
    });

    test("pullImage resolves a present image; imageStatus then reports it", async ({ skip }) => {
      const { runtime, fx } = await setup(skip);
      expect(await runtime.imageStatus(fx.hello.image, options.handler)).toBeUndefined();
      const ref = await runtime.pullImage(fx.hello.image, undefined, options.handler);
      expect(ref).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(await runtime.imageStatus(fx.hello.image, options.handler)).toBe(ref);
      // Pulling again is idempotent.
      expect(await runtime.pullImage(fx.hello.image, undefined, options.handler)).toBe(ref);
    });

    test("pullImage of a missing image fails with ErrImagePull", async ({ skip }) => {
      const { runtime, fx } = await setup(skip);
      const error = await runtime.pullImage(fx.missingImage, undefined, options.handler).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as RuntimeError).reason).toBe("ErrImagePull");
      expect(await runtime.imageStatus(fx.missingImage, options.handler)).toBeUndefined();
    });

    test("pullImage of a malformed reference fails with InvalidImageName", async ({ skip }) => {
      const { runtime, fx } = await setup(skip);
      const error = await runtime.pullImage(fx.malformedImage, undefined, options.handler).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as RuntimeError).reason).toBe("InvalidImageName");
    });

    test("sandbox lifecycle: run, status with labels, list, stop, remove", async ({ skip }) => {
      const { runtime, logDir } = await setup(skip);
      const pod = sandbox(logDir, "uid-sandbox");
      pod.labels.app = "web";
      const id = await runtime.runPodSandbox(pod);
      const status = await runtime.podSandboxStatus(id);
      expect(status).toMatchObject({ id, uid: pod.uid, name: pod.name, namespace: pod.namespace, state: "ready" });
      expect(status?.labels).toMatchObject({ app: "web", [LABEL_POD_UID]: pod.uid });
      expect(status?.createdAt).toBeGreaterThan(0);
      const listed = (await runtime.listPodSandboxes()).find((s) => s.id === id);
      expect(listed?.labels).toMatchObject({ app: "web", [LABEL_POD_UID]: pod.uid });
      // Asked for one pod's: its sandbox is there (a runtime may answer others too).
      expect((await runtime.listPodSandboxes(pod.uid)).map((s) => s.id)).toContain(id);
      await runtime.stopPodSandbox(id);
      expect((await runtime.podSandboxStatus(id))?.state).toBe("notready");
      await runtime.removePodSandbox(id);
      expect(await runtime.podSandboxStatus(id)).toBeUndefined();
      expect((await runtime.listPodSandboxes()).map((s) => s.id)).not.toContain(id);
    });

    test("a container that prints and exits 0: Completed, exit code, times, CRI log", async ({ skip }) => {
      const { runtime, fx, logDir } = await setup(skip);
      const pod = sandbox(logDir, "uid-hello");
      const config = container(fx.hello.image, { labels: { [LABEL_CONTAINER_NAME]: "main", tier: "a" } });
      const { sandboxId, id } = await run(runtime, pod, config);
      const status = await exited(runtime, id);
      expect(status).toMatchObject({ id, sandboxId, name: "main", exitCode: 0, reason: "Completed" });
      expect(status.labels).toMatchObject({ tier: "a" });
      expect(status.imageRef).toBe(await runtime.imageStatus(fx.hello.image, options.handler));
      expect(status.startedAt).toBeGreaterThanOrEqual(status.createdAt);
      expect(status.finishedAt).toBeGreaterThanOrEqual(status.startedAt ?? 0);
      expect(status.logPath).toBe(join(pod.logDirectory, config.logPath));
      // The runtime may finish copying output a moment after it reports the exit.
      const records = await waitFor(async () => {
        const r = logRecords(status);
        return r.some((x) => x.content === fx.hello.stdout) ? r : undefined;
      }, 5_000);
      expect(records).toContainEqual(
        expect.objectContaining({ stream: "stdout", full: true, content: fx.hello.stdout }),
      );
      for (const r of records) expect(Number.isNaN(Date.parse(r.time))).toBe(false);
    });

    test("a container that fails: its exit code, reason Error, stderr in the log", async ({ skip }) => {
      const { runtime, fx, logDir } = await setup(skip);
      const { id } = await run(runtime, sandbox(logDir, "uid-fail"), container(fx.failing.image));
      const status = await exited(runtime, id);
      expect(status).toMatchObject({ exitCode: fx.failing.exitCode, reason: "Error" });
      const records = await waitFor(async () => {
        const r = logRecords(status);
        return r.some((x) => x.content === fx.failing.stderr) ? r : undefined;
      }, 5_000);
      expect(records).toContainEqual(expect.objectContaining({ stream: "stderr", content: fx.failing.stderr }));
    });

    test("a long-running container stops within its grace period", async ({ skip }) => {
      const { runtime, fx, logDir } = await setup(skip);
      const { id } = await run(runtime, sandbox(logDir, "uid-ticker"), container(fx.ticker.image));
      const running = await waitFor(async () => {
        const s = await runtime.containerStatus(id);
        return s?.state === "running" && logRecords(s).some((r) => fx.ticker.stdout.test(r.content)) ? s : undefined;
      }, 20_000);
      expect(running.startedAt).toBeGreaterThan(0);
      expect(running.finishedAt).toBeUndefined();
      const started = Date.now();
      await runtime.stopContainer(id, 2);
      expect(Date.now() - started).toBeLessThan(2_000 + 3_000);
      const status = await runtime.containerStatus(id);
      expect(status?.state).toBe("exited");
      expect(STOPPED_EXIT_CODES).toContain(status?.exitCode);
      expect(status?.finishedAt).toBeGreaterThanOrEqual(running.startedAt ?? 0);
      // Stopping again is a no-op.
      await runtime.stopContainer(id, 2);
    });

    // Only for runtimes whose guests can ignore SIGTERM (a wasm guest cannot): not registered otherwise.
    if (options.guestsCanIgnoreSigterm !== false)
      test("a container that ignores SIGTERM is killed when its grace period ends (137)", async ({ skip }) => {
        const { runtime, fx, logDir } = await setup(skip);
        const stubborn = fx.stubborn;
        if (stubborn === undefined) throw new Error(`${name}: fixtures must include a guest that ignores SIGTERM`);
        const { id } = await run(runtime, sandbox(logDir, "uid-stubborn"), container(stubborn.image));
        await waitFor(
          async () => ((await runtime.containerStatus(id))?.state === "running" ? true : undefined),
          20_000,
        );
        const started = Date.now();
        await runtime.stopContainer(id, 1);
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
        expect(Date.now() - started).toBeLessThan(1_000 + 3_000);
        expect(await runtime.containerStatus(id)).toMatchObject({ state: "exited", exitCode: 137 });
      });

    test("a container over its memory limit is OOMKilled with exit code 137", async ({ skip }) => {
      const { runtime, fx, logDir } = await setup(skip);
      const hog = fx.memoryHog;
      if (hog === undefined) return skip(`${name} cannot enforce memory limits`);
      const config = container(hog.image, { resources: { memoryLimitBytes: hog.memoryLimitBytes } });
      const { id } = await run(runtime, sandbox(logDir, "uid-hog"), config);
      expect(await exited(runtime, id)).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
    });

    test("remove cleans up: containers, then the sandbox with whatever is left in it", async ({ skip }) => {
      const { runtime, fx, logDir } = await setup(skip);
      const pod = sandbox(logDir, "uid-remove");
      const { sandboxId, id } = await run(runtime, pod, container(fx.hello.image));
      await exited(runtime, id);
      await runtime.removeContainer(id);
      expect(await runtime.containerStatus(id)).toBeUndefined();
      expect((await runtime.listContainers()).map((c) => c.id)).not.toContain(id);
      await runtime.removeContainer(id); // idempotent
      // A running container goes with its sandbox (stopPodSandbox stops it first).
      await runtime.pullImage(fx.ticker.image, undefined, options.handler);
      const tickerId = await runtime.createContainer(sandboxId, container(fx.ticker.image, { name: "side" }), pod);
      await runtime.startContainer(tickerId);
      await runtime.stopPodSandbox(sandboxId);
      expect((await runtime.containerStatus(tickerId))?.state).toBe("exited");
      await runtime.removePodSandbox(sandboxId);
      expect(await runtime.containerStatus(tickerId)).toBeUndefined();
      expect(await runtime.listContainers()).toEqual([]);
      expect(await runtime.listPodSandboxes()).toEqual([]);
    });

    test("adoption: a new runtime over the same state lists the same sandboxes and containers", async ({ skip }) => {
      const { runtime, fx, logDir, stateDir } = await setup(skip);
      const pod = sandbox(logDir, "uid-adopt");
      pod.labels.app = "adopted";
      const ticker = container(fx.ticker.image, { name: "ticker", labels: { role: "long" } });
      const { sandboxId, id } = await run(runtime, pod, ticker);
      const done = await run(runtime, sandbox(logDir, "uid-adopt-done"), container(fx.hello.image));
      await exited(runtime, done.id);
      const before = await waitFor(async () => {
        const s = await runtime.containerStatus(id);
        return s?.state === "running" ? s : undefined;
      }, 20_000);
      await runtime.close();

      // The "agent restart": nothing in memory survives, only the state directory.
      const again = await open(stateDir);
      const sandboxes = await again.listPodSandboxes();
      expect(sandboxes.find((s) => s.id === sandboxId)).toMatchObject({ uid: pod.uid, state: "ready" });
      expect(sandboxes.find((s) => s.id === sandboxId)?.labels).toMatchObject({ app: "adopted" });
      const containers = await again.listContainers();
      const adopted = containers.find((c) => c.id === id);
      expect(adopted).toMatchObject({ state: "running", sandboxId, name: "ticker", startedAt: before.startedAt });
      expect(adopted?.labels).toMatchObject({ role: "long" });
      expect(containers.find((c) => c.id === done.id)).toMatchObject({ state: "exited", exitCode: 0 });
      // Still running a moment later: adopted, not restarted.
      await pause(300);
      expect(await again.containerStatus(id)).toMatchObject({ state: "running", startedAt: before.startedAt });
      await again.stopContainer(id, 1);
      expect((await again.containerStatus(id))?.state).toBe("exited");
    });

    test("execSync runs a command or says NotSupported", async ({ skip }) => {
      const { runtime, fx, logDir } = await setup(skip);
      const { id } = await run(runtime, sandbox(logDir, "uid-exec"), container(fx.ticker.image));
      await waitFor(async () => ((await runtime.containerStatus(id))?.state === "running" ? true : undefined), 20_000);
      try {
        const result = await runtime.execSync(id, ["true"], 5);
        expect(typeof result.exitCode).toBe("number");
      } catch (error) {
        expect(error).toBeInstanceOf(RuntimeError);
        expect((error as RuntimeError).reason).toBe("NotSupported");
      }
    });

    test("unknown ids: status undefined, start fails with a RuntimeError", async ({ skip }) => {
      const { runtime } = await setup(skip);
      expect(await runtime.containerStatus("no-such-container")).toBeUndefined();
      expect(await runtime.podSandboxStatus("no-such-sandbox")).toBeUndefined();
      await expect(runtime.startContainer("no-such-container")).rejects.toBeInstanceOf(RuntimeError);
    });
  });
}
