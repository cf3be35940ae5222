import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeRuntime } from "../runtime/fake.ts";
import type { ContainerRuntime, ContainerStatus } from "../runtime/types.ts";
import { LogRotator } from "./log-rotation.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A runtime listing one running container whose log is `logPath`; reopening recreates the file. */
function runtimeWith(logPath: string, name: "containerd" | "wasm"): { runtime: ContainerRuntime; reopened: string[] } {
  const reopened: string[] = [];
  const status: ContainerStatus = {
    id: "c1",
    sandboxId: "s1",
    name: "main",
    attempt: 0,
    state: "running",
    createdAt: 1,
    startedAt: 1,
    image: "i",
    imageRef: "i@sha256:0",
    logPath,
    labels: {},
    runtime: name,
  };
  const runtime: ContainerRuntime = Object.assign(new FakeRuntime(), {
    listContainers: async () => [status],
    reopenContainerLog: async (id: string) => {
      reopened.push(id);
      writeFileSync(logPath, "");
    },
  });
  return { runtime, reopened };
}

describe("log rotation", () => {
  const setUp = () => {
    const dir = mkdtempSync(join(tmpdir(), "kflare-logs-"));
    dirs.push(dir);
    return join(dir, "0.log");
  };

  it("renames a log over the cap and has containerd reopen it; keeps maxFiles - 1 rotated files", async () => {
    const log = setUp();
    const { runtime, reopened } = runtimeWith(log, "containerd");
    let t = Date.UTC(2026, 10, 25, 12, 0, 0);
    const rotator = new LogRotator(runtime, { maxBytes: 100, maxFiles: 3 }, () => t);
    writeFileSync(log, "x".repeat(50));
    expect(await rotator.rotate()).toEqual([]);
    for (let i = 0; i < 4; i++) {
      appendFileSync(log, `${i}`.repeat(200));
      t += 1000;
      expect(await rotator.rotate()).toEqual([log]);
    }
    expect(reopened).toEqual(["c1", "c1", "c1", "c1"]);
    const files = readdirSync(join(log, "..")).sort();
    expect(files).toEqual(["0.log", "0.log.20261125-120003.000", "0.log.20261125-120004.000"]);
    expect(readFileSync(`${log}.20261125-120004.000`, "utf8")).toBe("3".repeat(200));
    expect(readFileSync(log, "utf8")).toBe("");
  });

  it("copies and truncates for a runtime that cannot reopen (wasm guests keep their file open)", async () => {
    const log = setUp();
    const { runtime, reopened } = runtimeWith(log, "wasm");
    const rotator = new LogRotator(runtime, { maxBytes: 10, maxFiles: 2 }, () => Date.UTC(2026, 0, 1));
    writeFileSync(log, "hello world, more than ten bytes");
    await rotator.rotate();
    expect(reopened).toEqual([]);
    expect(readFileSync(log, "utf8")).toBe("");
    expect(readFileSync(`${log}.20260101-000000.000`, "utf8")).toBe("hello world, more than ten bytes");
  });
});
