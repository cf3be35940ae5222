// The wasm runtime: the shared contract, then what only wasm guests do (args/env, preopens,
// wasi:http), against components pushed to a real registry on loopback (Debian's docker-registry).
// Without a registry these tests skip and say why, except in CI, where they fail.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  freePort,
  type LoopbackRegistry,
  startLoopbackRegistry,
  type WasmFixtures,
  wasmFixtures,
} from "../../test/setup/wasm-fixtures.ts";
import { LogRotator } from "../pods/log-rotation.ts";
import { type ContractFixtures, runtimeContract } from "./contract.ts";
import { criLogLines } from "./cri-log.ts";
import { containerConfig, podConfig, waitFor } from "./testing.ts";
import type { ContainerConfig, ContainerRuntime } from "./types.ts";
import { pushWasmArtifact } from "./wasm/push.ts";
import { WasmRuntime, type WasmRuntimeOptions } from "./wasm/runtime.ts";

let registry: LoopbackRegistry | undefined;
let built: WasmFixtures | undefined;
const image = (name: string) => `${registry?.available === true ? registry.host : "none"}/kflare-test/${name}:1`;

beforeAll(async () => {
  registry = await startLoopbackRegistry();
  if (!registry.available) return;
  built = await wasmFixtures();
  for (const [name, path] of Object.entries(built)) {
    await pushWasmArtifact(registry.host, `kflare-test/${name.toLowerCase()}`, "1", readFileSync(path));
  }
}, 300_000);
afterAll(async () => {
  await registry?.stop();
});

/** Why the registry tests cannot run; in CI that is a failure, not a skip. */
function unavailable(): string | undefined {
  if (registry === undefined || registry.available) return undefined;
  if (process.env.CI === "true") throw new Error(`wasm runtime tests need a registry in CI: ${registry.reason}`);
  return registry.reason;
}

const makeRuntime = (stateDir: string, options: Partial<WasmRuntimeOptions> = {}) =>
  new WasmRuntime({ stateDir, nodeIP: "127.0.0.1", listenHost: "127.0.0.1", ...options });

runtimeContract(
  "wasm",
  makeRuntime,
  (): ContractFixtures => {
    const skip = unavailable();
    return {
      hello: { image: image("hello"), stdout: "hello from wasm" },
      failing: { image: image("exitcode"), exitCode: 3, stderr: "failing with exit code 3" },
      ticker: { image: image("ticker"), stdout: /^tick \d+$/ },
      memoryHog: { image: image("memoryhog"), memoryLimitBytes: 32 << 20 },
      missingImage: image("no-such-image"),
      malformedImage: "127.0.0.1:5000/Not Valid:!",
      ...(skip !== undefined ? { skip } : {}),
    };
  },
  { handler: "wasm", timeoutMs: 60_000, guestsCanIgnoreSigterm: false },
);

describe("wasm runtime", { timeout: 60_000 }, () => {
  const dirs: string[] = [];
  const runtimes: ContainerRuntime[] = [];
  const temp = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), `kflare-wasm-${prefix}-`));
    dirs.push(dir);
    return dir;
  };
  const open = (options: Partial<WasmRuntimeOptions> = {}) => {
    const runtime = makeRuntime(temp("state"), options);
    runtimes.push(runtime);
    return runtime;
  };
  /** Pulls, creates and starts one container in a new sandbox; returns ids and the pod config. */
  const start = async (runtime: ContainerRuntime, uid: string, config: ContainerConfig) => {
    await runtime.pullImage(config.image);
    const pod = podConfig({ uid, logDirectory: join(temp("logs"), uid), runtimeHandler: "wasm" });
    const sandboxId = await runtime.runPodSandbox(pod);
    const id = await runtime.createContainer(sandboxId, config, pod);
    await runtime.startContainer(id);
    return { sandboxId, id, pod };
  };
  const finished = (runtime: ContainerRuntime, id: string) =>
    waitFor(async () => {
      const status = await runtime.containerStatus(id);
      return status?.state === "exited" ? status : undefined;
    }, 20_000);
  const stdout = async (runtime: ContainerRuntime, id: string) => {
    const status = await runtime.containerStatus(id);
    return criLogLines(readFileSync(status?.logPath ?? "", "utf8"), "stdout");
  };

  afterAll(async () => {
    for (const runtime of runtimes) {
      for (const c of await runtime.listContainers()) await runtime.removeContainer(c.id);
      for (const s of await runtime.listPodSandboxes()) await runtime.removePodSandbox(s.id);
    }
    // No guest may outlive the tests: look for runner processes over our state directories.
    const leftovers = readdirSync("/proc")
      .filter((pid) => /^\d+$/.test(pid))
      .filter((pid) => {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
          return cmdline.includes("runner.mjs") && dirs.some((dir) => cmdline.includes(dir));
        } catch {
          return false;
        }
      });
    expect(leftovers).toEqual([]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("log rotation copies a guest's log aside and truncates it; the guest keeps writing to it", async ({ skip }) => {
    const reason = unavailable();
    if (reason !== undefined) skip(reason);
    const runtime = open();
    const { id } = await start(runtime, "uid-rotate", containerConfig({ name: "ticker", image: image("ticker") }));
    const logPath = (await runtime.containerStatus(id))?.logPath ?? "";
    await waitFor(async () => (statSync(logPath).size > 300 ? true : undefined), 20_000);
    expect(await new LogRotator(runtime, { maxBytes: 300, maxFiles: 2 }).rotate()).toEqual([logPath]);
    const rotated = readdirSync(dirname(logPath)).filter((f) => f.startsWith(`${basename(logPath)}.`));
    expect(rotated).toHaveLength(1);
    expect(readFileSync(join(dirname(logPath), rotated[0] ?? ""), "utf8")).toMatch(/stdout F tick \d+/);
    // Appends land at the new start of the file (the runner writes with O_APPEND): no hole of zeros.
    await waitFor(async () => (/stdout F tick \d+/.test(readFileSync(logPath, "utf8")) ? true : undefined), 20_000);
    expect(readFileSync(logPath, "utf8").startsWith("\0")).toBe(false);
    await runtime.stopContainer(id, 1);
  });

  test("a command gets its args (command + args) and env, nothing more", async ({ skip }) => {
    const reason = unavailable();
    if (reason !== undefined) skip(reason);
    const runtime = open();
    const config = containerConfig({
      name: "echo",
      image: image("echo"),
      command: ["echo-prog", "a b"],
      args: ["c"],
      env: [
        { name: "FOO", value: "bar" },
        { name: "FOO", value: "baz" },
        { name: "EMPTY", value: "" },
      ],
    });
    const { id } = await start(runtime, "echo", config);
    expect(await finished(runtime, id)).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(await stdout(runtime, id)).toEqual(["arg: echo-prog", "arg: a b", "arg: c", "env: FOO=baz", "env: EMPTY="]);
  });

  test("a guest sees only its mounts: it writes there, cannot escape, and host / is not preopened", async ({
    skip,
  }) => {
    const reason = unavailable();
    if (reason !== undefined) skip(reason);
    const runtime = open();
    const data = temp("data");
    writeFileSync(join(data, "in.txt"), "hello from host\n");
    const mounted = containerConfig({
      name: "files",
      image: image("files"),
      mounts: [{ hostPath: data, containerPath: "/data", readOnly: false }],
    });
    const { id } = await start(runtime, "files", mounted);
    expect(await finished(runtime, id)).toMatchObject({ exitCode: 0 });
    expect(await stdout(runtime, id)).toEqual(["preopen: /data", "read: hello from host", "escape denied"]);
    expect(readFileSync(join(data, "out.txt"), "utf8")).toBe("written by wasm\n");
    expect(readdirSync(join(data, "..")).filter((f) => f === "escape.txt")).toEqual([]);

    // Without mounts there is nothing at all, in particular not the host's "/".
    const bare = await start(runtime, "files-bare", containerConfig({ name: "files", image: image("files") }));
    expect(await finished(runtime, bare.id)).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(await stdout(runtime, bare.id)).toEqual(["no preopens"]);
  });

  test("a readOnly mount can be read but not written", async ({ skip }) => {
    const reason = unavailable();
    if (reason !== undefined) skip(reason);
    const runtime = open();
    const data = temp("ro");
    writeFileSync(join(data, "in.txt"), "read only\n");
    const config = containerConfig({
      name: "files",
      image: image("files"),
      mounts: [{ hostPath: data, containerPath: "/config", readOnly: true }],
    });
    const { id } = await start(runtime, "files-ro", config);
    expect(await finished(runtime, id)).toMatchObject({ exitCode: 1 });
    expect(await stdout(runtime, id)).toEqual(["preopen: /config", "cannot write out.txt"]);
    expect(readdirSync(data)).toEqual(["in.txt"]);
  });

  test("a wasi:http component serves every request on its port; a second pod on that port is refused", async ({
    skip,
  }) => {
    const reason = unavailable();
    if (reason !== undefined) skip(reason);
    const runtime = open();
    const port = await freePort();
    const config = containerConfig({
      name: "web",
      image: image("httphello"),
      ports: [{ containerPort: port, protocol: "TCP" }],
    });
    const { id } = await start(runtime, "web", config);
    const first = await waitFor(async () => {
      try {
        return await (await fetch(`http://127.0.0.1:${port}/first`)).text();
      } catch {
        return undefined;
      }
    }, 20_000);
    expect(first).toBe("hello from wasi:http /first\n");
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/n/${i}?q=${i}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(`hello from wasi:http /n/${i}?q=${i}\n`);
    }
    const second = podConfig({ uid: "web-2", logDirectory: join(temp("logs"), "web-2"), runtimeHandler: "wasm" });
    const secondSandbox = await runtime.runPodSandbox(second);
    const refused = await runtime.createContainer(secondSandbox, config, second).catch((e: unknown) => e);
    expect(refused).toMatchObject({ reason: "CreateContainerError" });
    expect((refused as Error).message).toContain(`containerPort ${port}`);
    // A server stops cleanly on SIGTERM.
    await runtime.stopContainer(id, 5);
    expect(await runtime.containerStatus(id)).toMatchObject({ state: "exited", exitCode: 0, reason: "Completed" });
  });

  test("pull by digest, cached: no registry request the second time", async ({ skip }) => {
    const reason = unavailable();
    if (reason !== undefined) skip(reason);
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    const runtime = open({ fetch: counting });
    const ref = await runtime.pullImage(image("hello"));
    expect(requests).toBeGreaterThan(0);
    const digest = ref.slice(ref.indexOf("@") + 1);
    const pinned = `${image("hello").replace(/:1$/, "")}@${digest}`;
    requests = 0;
    expect(await runtime.pullImage(pinned)).toBe(ref);
    expect(requests).toBe(1); // the manifest, checked against the digest; the blob is cached
    requests = 0;
    expect(await runtime.pullImage(pinned)).toBe(ref);
    expect(requests).toBe(0);
    const wrong = `${image("hello").replace(/:1$/, "")}@sha256:${"0".repeat(64)}`;
    await expect(runtime.pullImage(wrong)).rejects.toMatchObject({ reason: "ErrImagePull" });
  });

  test("a guest started by an agent process that has exited is adopted by the next agent", async ({ skip }) => {
    const reason = unavailable();
    if (reason !== undefined) skip(reason);
    const stateDir = temp("state");
    const logDir = temp("logs");
    // The first agent: a separate Node process that starts a ticker and exits.
    const script = `
      const { WasmRuntime } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, "wasm/runtime.ts")).href)});
      const { podConfig, containerConfig } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, "testing.ts")).href)});
      const runtime = new WasmRuntime({ stateDir: ${JSON.stringify(stateDir)}, nodeIP: "127.0.0.1" });
      const image = ${JSON.stringify(image("ticker"))};
      await runtime.pullImage(image);
      const pod = podConfig({ uid: "first-agent", logDirectory: ${JSON.stringify(logDir)}, runtimeHandler: "wasm" });
      const sandboxId = await runtime.runPodSandbox(pod);
      const id = await runtime.createContainer(sandboxId, containerConfig({ name: "ticker", image }), pod);
      await runtime.startContainer(id);
      process.stdout.write(JSON.stringify({ sandboxId, id }));
      process.exit(0);`;
    const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    const { sandboxId, id } = JSON.parse(output) as { sandboxId: string; id: string };

    // The second agent: a runtime in this process over the same state directory.
    const again = makeRuntime(stateDir);
    runtimes.push(again);
    expect((await again.podSandboxStatus(sandboxId))?.state).toBe("ready");
    const adopted = await again.containerStatus(id);
    expect(adopted).toMatchObject({ state: "running", name: "ticker" });
    // It keeps ticking: adopted, not restarted.
    const ticks = (await stdout(again, id)).length;
    await waitFor(async () => ((await stdout(again, id)).length > ticks + 1 ? true : undefined), 5_000);
    expect((await again.containerStatus(id))?.startedAt).toBe(adopted?.startedAt);
    await again.stopContainer(id, 2);
    expect(await again.containerStatus(id)).toMatchObject({ state: "exited", exitCode: 143 });
  });

  test("guests run under the machine's Node 20 too", async ({ skip }) => {
    const reason = unavailable();
    if (reason !== undefined) skip(reason);
    const node20 = "/usr/bin/node";
    if (!existsSync(node20) || !execFileSync(node20, ["--version"], { encoding: "utf8" }).startsWith("v20.")) {
      return skip("no Node 20 at /usr/bin/node");
    }
    const runtime = open({ nodePath: node20 });
    const { id } = await start(runtime, "node20", containerConfig({ name: "hello", image: image("hello") }));
    expect(await finished(runtime, id)).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(await stdout(runtime, id)).toEqual(["hello from wasm"]);
  });

  test("stop sends SIGTERM to the guest's process group, then SIGKILL when the grace period ends", async ({ skip }) => {
    const reason = unavailable();
    if (reason !== undefined) skip(reason);
    // A runner that ignores SIGTERM stands in for the real one (wasm guests cannot ignore it).
    const runnerPath = join(import.meta.dirname, "../../test/fixtures/wasm/stubborn-runner.mjs");
    const runtime = open({ runnerPath });
    const { id } = await start(runtime, "stubborn", containerConfig({ name: "stubborn", image: image("hello") }));
    await waitFor(async () => ((await stdout(runtime, id)).length > 0 ? true : undefined), 10_000);
    const started = Date.now();
    await runtime.stopContainer(id, 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await runtime.containerStatus(id)).toMatchObject({ state: "exited", exitCode: 137, reason: "Error" });
  });
});
