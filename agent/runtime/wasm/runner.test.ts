// runner.mjs on its own, without a registry or jco: a probe module stands in for a transpiled
// component and reports what the WASI imports the runner gives a guest let it do.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { criLogLines, parseCriLog } from "../cri-log.ts";
import { spawnGuest, waitForGuestExit } from "./guest-process.ts";
import type { ExitRecord, RunConfig } from "./state.ts";

const RUNNER = join(import.meta.dirname, "runner.mjs");
const PROBE = join(import.meta.dirname, "../../../test/fixtures/wasm/probe-component.mjs");
const dir = mkdtempSync(join(tmpdir(), "kflare-runner-"));
let listener: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const address = listener.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the probe through the runner and returns its stdout lines and exit record. */
async function probe(name: string, preopens: RunConfig["preopens"]) {
  const config: RunConfig = {
    id: name,
    component: PROBE,
    kind: "command",
    args: ["probe", "--flag"],
    env: { PROBE_PORT: String(port), ONLY: "this" },
    cwd: "/",
    preopens,
    exitPath: join(dir, `${name}.exit.json`),
    memoryCapPages: 1024,
  };
  const configPath = join(dir, `${name}.run.json`);
  writeFileSync(configPath, JSON.stringify(config));
  const logPath = join(dir, `${name}.log`);
  const guest = spawnGuest({
    nodePath: process.execPath,
    runnerPath: RUNNER,
    runConfigPath: configPath,
    logPath,
    memoryCapPages: 1024,
  });
  expect(await waitForGuestExit(guest.pid, guest.startTime, 20_000)).toBe(true);
  await new Promise((resolve) => (guest.child.exitCode === null ? guest.child.once("exit", resolve) : resolve(null)));
  const log = readFileSync(logPath, "utf8");
  expect(parseCriLog(log).invalid).toEqual([]);
  return { lines: criLogLines(log), exit: JSON.parse(readFileSync(config.exitPath, "utf8")) as ExitRecord };
}

describe("runner sandbox", { timeout: 30_000 }, () => {
  test("env and args are exactly the pod's; no preopen, no socket, no DNS, no outgoing HTTP", async () => {
    const { lines, exit } = await probe("bare", []);
    expect(exit).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(lines).toEqual([
      `env: {"PROBE_PORT":"${port}","ONLY":"this"}`,
      'args: ["probe","--flag"]',
      "preopens: []",
      "tcp connect: access-denied",
      "tcp bind: access-denied",
      "udp bind: access-denied",
      // preview2-shim's answer to a denied lookup ("localhost" resolves whenever lookups are allowed)
      "dns lookup: permanent-resolver-failure",
      "http request: HTTP-request-denied",
    ]);
    expect(connections).toBe(0);
  });

  test("preopens: what is mounted and nothing else; read-only mounts refuse writes", async () => {
    const rw = join(dir, "rw");
    const ro = join(dir, "ro");
    for (const d of [rw, ro]) {
      mkdirSync(d);
      writeFileSync(join(d, "in.txt"), "x");
    }
    const { lines } = await probe("mounts", [
      { guest: "/data", host: rw, readOnly: false },
      { guest: "/config", host: ro, readOnly: true },
    ]);
    expect(lines.slice(2, 9)).toEqual([
      'preopens: ["/data","/config"]',
      "read /data/in.txt: allowed",
      "create /data/new.txt: allowed",
      "mkdir /data/sub: allowed",
      "read /config/in.txt: allowed",
      "create /config/new.txt: read-only",
      "mkdir /config/sub: read-only",
    ]);
    expect(readdirSync(rw).sort()).toEqual(["in.txt", "new.txt", "sub"]);
    expect(readdirSync(ro)).toEqual(["in.txt"]);
    expect(existsSync("/new.txt")).toBe(false);
  });
});
