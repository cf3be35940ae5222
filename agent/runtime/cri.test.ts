// The containerd adapter against a real containerd and runc (started for this file, the way the
// agent starts its own), pulling busybox-based images from a real registry on loopback: the shared
// runtime contract, then what only containers do (limits in cgroups, exec, adoption by a new
// client). Without root or the packages these tests skip and say why, except in CI.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { writeOciArchive } from "../../test/setup/container-images.ts";
import { startTestContainerd, type TestContainerd } from "../../test/setup/containerd.ts";
import { LogRotator } from "../pods/log-rotation.ts";
import { importImages } from "../src/images.ts";
import { type ContractFixtures, runtimeContract } from "./contract.ts";
import { CriRuntime } from "./cri/runtime.ts";
import { containerConfig, podConfig, waitFor } from "./testing.ts";
import { type ContainerConfig, LABEL_POD_UID } from "./types.ts";

let ctd: TestContainerd | undefined;

beforeAll(async () => {
  ctd = await startTestContainerd();
  if (!ctd.available && process.env.CI === "true") throw new Error(`containerd tests need: ${ctd.reason}`);
}, 600_000);
afterAll(async () => {
  await ctd?.stop();
});

const makeRuntime = () => {
  if (ctd?.available !== true) throw new Error("containerd is not running");
  return new CriRuntime({ socket: ctd.socket, cgroupDriver: ctd.settings.cgroupDriver });
};

runtimeContract(
  "containerd",
  makeRuntime,
  (): ContractFixtures => {
    if (ctd?.available !== true)
      return {
        hello: { image: "none", stdout: "" },
        failing: { image: "none", exitCode: 1, stderr: "" },
        ticker: { image: "none", stdout: /./ },
        missingImage: "none",
        malformedImage: "none",
        skip: ctd?.available === false ? ctd.reason : "containerd did not start",
      };
    const { images, registry } = ctd;
    return {
      hello: { image: images.hello, stdout: "hello from containerd" },
      failing: { image: images.failing, exitCode: 3, stderr: "failing with exit code 3" },
      ticker: { image: images.ticker, stdout: /^tick \d+$/ },
      stubborn: { image: images.stubborn },
      memoryHog: { image: images.memoryhog, memoryLimitBytes: 32 << 20 },
      missingImage: `${registry}/kflare-test/no-such-image:1`,
      malformedImage: `${registry}/Not Valid:!`,
    };
  },
  { handler: "runc", timeoutMs: 60_000 },
);

describe("containerd runtime", { timeout: 60_000 }, () => {
  const runtimes: CriRuntime[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) {
      for (const s of await runtime.listPodSandboxes()) await runtime.removePodSandbox(s.id);
      await runtime.close();
    }
  });
  afterAll(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const temp = () => {
    const dir = mkdtempSync(join(tmpdir(), "kflare-cri-"));
    dirs.push(dir);
    return dir;
  };
  /** Runs the ticker image with `overrides` in a fresh sandbox; resolves once it runs. */
  const running = async (overrides: Partial<ContainerConfig>, skip: (note: string) => never) => {
    if (ctd?.available !== true) return skip(ctd?.available === false ? ctd.reason : "containerd did not start");
    const runtime = makeRuntime();
    runtimes.push(runtime);
    const uid = `uid-${Math.random().toString(36).slice(2, 10)}`;
    const pod = podConfig({ uid, logDirectory: join(temp(), uid), runtimeHandler: "runc" });
    await runtime.pullImage(ctd.images.ticker);
    const sandboxId = await runtime.runPodSandbox(pod);
    const id = await runtime.createContainer(
      sandboxId,
      // The pod UID label, as the agent gives every container of a pod.
      containerConfig({ name: "main", image: ctd.images.ticker, labels: { [LABEL_POD_UID]: uid }, ...overrides }),
      pod,
    );
    await runtime.startContainer(id);
    await waitFor(async () => ((await runtime.containerStatus(id))?.state === "running" ? true : undefined), 20_000);
    const exec = async (script: string) => {
      const r = await runtime.execSync(id, ["/bin/sh", "-c", script], 10);
      return { exitCode: r.exitCode, stdout: new TextDecoder().decode(r.stdout).trim() };
    };
    return { runtime, id, exec, uid, sandboxId };
  };

  test("lists one pod's sandbox and containers when asked by pod UID, and no other pod's", async ({ skip }) => {
    const a = await running({}, skip);
    const b = await running({}, skip);
    const all = await a.runtime.listContainers();
    expect(all.map((c) => c.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect((await a.runtime.listContainers(a.uid)).map((c) => c.id)).toEqual([a.id]);
    expect((await a.runtime.listPodSandboxes(b.uid)).map((s) => s.id)).toEqual([b.sandboxId]);
    // The status cache of a full list survives the filtered ones: b's container is still known.
    expect((await a.runtime.listContainers()).map((c) => c.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    // The ticker ignores SIGTERM: killed now, the clean-up after the test removes the sandboxes at once.
    await a.runtime.stopContainer(a.id, 0);
    await b.runtime.stopContainer(b.id, 0);
  });

  test("requests and limits land in the container's cgroups: shares, CFS quota, memory limit", async ({ skip }) => {
    const { exec } = await running(
      { resources: { cpuShares: 256, cpuQuotaMicros: 25_000, cpuPeriodMicros: 100_000, memoryLimitBytes: 64 << 20 } },
      skip,
    );
    // cgroup v1 (these machines); the container sees its own cgroup at the mount point.
    const v1 = await exec(
      "cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/memory/memory.limit_in_bytes",
    );
    if (v1.exitCode === 0) {
      expect(v1.stdout.split("\n")).toEqual(["256", "25000", "100000", String(64 << 20)]);
    } else {
      const v2 = await exec("cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/memory.max");
      expect(v2.stdout.split("\n")).toEqual(["25000 100000", String(64 << 20)]);
    }
  });

  test("command, args, env, working directory, user and mounts reach the process", async ({ skip }) => {
    const host = temp();
    chmodSync(host, 0o755); // readable by the container's user 65534
    writeFileSync(join(host, "greeting.txt"), "hello from the host\n");
    const { exec } = await running(
      {
        env: [{ name: "GREETING", value: "hi there" }],
        workingDir: "/tmp",
        mounts: [{ hostPath: host, containerPath: "/data", readOnly: true }],
        securityContext: { runAsUser: 65534, runAsGroup: 65534 },
      },
      skip,
    );
    expect((await exec("echo $GREETING; pwd; id -u; id -g; cat /data/greeting.txt")).stdout.split("\n")).toEqual([
      "hi there",
      "/tmp",
      "65534",
      "65534",
      "hello from the host",
    ]);
    // readOnly: the mount refuses writes.
    expect((await exec("echo x > /data/new.txt")).exitCode).not.toBe(0);
    const after = await exec("ls /data");
    expect(after.stdout).toBe("greeting.txt");
  });

  test("execSync returns the command's exit code, stdout and stderr", async ({ skip }) => {
    const { runtime, id } = await running({}, skip);
    const r = await runtime.execSync(id, ["/bin/sh", "-c", "echo out; echo err >&2; exit 4"], 5);
    expect(r.exitCode).toBe(4);
    expect(new TextDecoder().decode(r.stdout)).toBe("out\n");
    expect(new TextDecoder().decode(r.stderr)).toBe("err\n");
  });

  test("k-agent images import loads an OCI archive: the image is there without a registry and runs", async ({
    skip,
  }) => {
    if (ctd?.available !== true) return skip(ctd?.available === false ? ctd.reason : "containerd did not start");
    const archive = join(temp(), "airgapped.tar");
    writeOciArchive(archive, "hello", "docker.io/library/airgapped:1.0");
    const runtime = makeRuntime();
    runtimes.push(runtime);
    expect(await runtime.imageStatus("airgapped:1.0")).toBeUndefined();
    const lines: string[] = [];
    await importImages(temp(), archive, (line) => lines.push(line), ctd.socket);
    expect(lines.join("\n")).toContain("imported docker.io/library/airgapped:1.0");
    expect(await runtime.imageStatus("airgapped:1.0")).toMatch(/sha256:[0-9a-f]{64}$/);
    // Runs with no pull at all (imagePullPolicy Never).
    const pod = podConfig({ uid: "uid-airgap", logDirectory: join(temp(), "uid-airgap"), runtimeHandler: "runc" });
    const sandboxId = await runtime.runPodSandbox(pod);
    const id = await runtime.createContainer(sandboxId, containerConfig({ name: "main", image: "airgapped:1.0" }), pod);
    await runtime.startContainer(id);
    const done = await waitFor(async () => {
      const status = await runtime.containerStatus(id);
      return status?.state === "exited" ? status : undefined;
    }, 20_000);
    expect(done.exitCode).toBe(0);
    await expect(importImages(temp(), join(temp(), "missing.tar"), () => {}, ctd.socket)).rejects.toThrow(
      /cannot read .*missing.tar/,
    );
  });

  test("log rotation: a log over its cap is renamed and containerd reopens a fresh one", async ({ skip }) => {
    const { runtime, id } = await running({}, skip);
    const status = await runtime.containerStatus(id);
    const logPath = status?.logPath ?? "";
    const rotator = new LogRotator(runtime, { maxBytes: 300, maxFiles: 2 });
    await waitFor(async () => ((await stat(logPath)).size > 300 ? true : undefined), 20_000);
    expect(await rotator.rotate()).toEqual([logPath]);
    const rotated = readdirSync(dirname(logPath)).filter((f) => f.startsWith(`${basename(logPath)}.`));
    expect(rotated).toHaveLength(1);
    expect(readFileSync(join(dirname(logPath), rotated[0] ?? ""), "utf8")).toMatch(/stdout F tick \d+/);
    // The container keeps logging, into the fresh file.
    await waitFor(async () => (/stdout F tick \d+/.test(readFileSync(logPath, "utf8")) ? true : undefined), 20_000);
  });

  test("a readOnlyRootFilesystem container cannot write its root", async ({ skip }) => {
    const { exec } = await running({ securityContext: { readOnlyRootFilesystem: true } }, skip);
    expect((await exec("touch /newfile")).exitCode).not.toBe(0);
  });
});
