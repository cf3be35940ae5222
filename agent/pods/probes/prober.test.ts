import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Probe } from "../../../schemas/core/probe.ts";
import { FakeClock } from "../testing/fake-clock.ts";
import { FakeRuntime } from "../testing/fake-runtime.ts";
import { until } from "../testing/harness.ts";
import { type ProbeOutcome, runProbe } from "./prober.ts";

const seen: { path: string; headers: http.IncomingHttpHeaders }[] = [];
let server: http.Server;
let port = 0;
let closedPort = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers });
    if (req.url === "/hang") return; // never answers: the probe's timeout decides
    const code = req.url === "/fail" ? 500 : req.url === "/redirect" ? 302 : 200;
    res.writeHead(code).end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
  // A port nothing listens on: bind one, note it, close it.
  const spare = net.createServer();
  await new Promise<void>((resolve) => spare.listen(0, "127.0.0.1", resolve));
  closedPort = (spare.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => spare.close(() => resolve()));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const clock = new FakeClock();
const runtime = new FakeRuntime(clock);
const target = (ports: { name: string; containerPort: number }[] = []) => ({
  container: { name: "web", ports },
  containerId: "c1",
  podIP: "127.0.0.1",
});

describe("httpGet", () => {
  it("succeeds on 2xx and 3xx, sends path, headers and kube-probe's User-Agent to the pod IP", async () => {
    const probe: Probe = {
      httpGet: { path: "/healthz", port: "http", httpHeaders: [{ name: "X-Check", value: "yes" }] },
    };
    expect(await runProbe(probe, target([{ name: "http", containerPort: port }]), runtime, clock)).toEqual({
      result: "success",
    });
    expect(seen.at(-1)?.path).toBe("/healthz");
    expect(seen.at(-1)?.headers["x-check"]).toBe("yes");
    expect(seen.at(-1)?.headers["user-agent"]).toBe("kube-probe/1.35");
    expect(await runProbe({ httpGet: { path: "/redirect", port } }, target(), runtime, clock)).toEqual({
      result: "success",
    });
  });

  it("fails on 5xx and on a refused connection, in Go's words", async () => {
    expect(await runProbe({ httpGet: { path: "/fail", port } }, target(), runtime, clock)).toEqual({
      result: "failure",
      output: "HTTP probe failed with statuscode: 500",
    });
    expect(await runProbe({ httpGet: { path: "/", port: closedPort } }, target(), runtime, clock)).toEqual({
      result: "failure",
      output: `Get "http://127.0.0.1:${closedPort}/": dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    });
  });

  it("fails after timeoutSeconds on the agent's clock", async () => {
    let outcome: ProbeOutcome | undefined;
    void runProbe({ httpGet: { path: "/hang", port }, timeoutSeconds: 2 }, target(), runtime, clock).then((o) => {
      outcome = o;
    });
    await until(() => seen.some((s) => s.path === "/hang"), "the request to arrive");
    clock.advance(1999);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(outcome).toBeUndefined();
    clock.advance(1);
    await until(() => outcome !== undefined, "the probe to time out");
    expect(outcome).toEqual({
      result: "failure",
      output: `Get "http://127.0.0.1:${port}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });
});

describe("tcpSocket", () => {
  it("succeeds when the port accepts and fails when it refuses", async () => {
    expect(await runProbe({ tcpSocket: { port } }, target(), runtime, clock)).toEqual({ result: "success" });
    expect(await runProbe({ tcpSocket: { port: closedPort } }, target(), runtime, clock)).toEqual({
      result: "failure",
      output: `dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    });
  });
});

describe("exec", () => {
  it("succeeds on exit 0, fails with the output otherwise, errors when the runtime cannot exec", async () => {
    const rt = new FakeRuntime(clock);
    const sandboxConfig = {
      uid: "u",
      namespace: "default",
      name: "p",
      hostname: "p",
      attempt: 0,
      logDirectory: "/tmp/none",
      portMappings: [],
      hostNetwork: false,
      runtimeHandler: "runc",
      labels: {},
      annotations: {},
    };
    const sb = await rt.runPodSandbox(sandboxConfig);
    const config = { name: "web", image: "x", command: [], args: [], env: [], mounts: [], resources: {} };
    const io = { logPath: "web/0.log", stdin: false, tty: false, ports: [], labels: {}, annotations: {}, attempt: 0 };
    const id = await rt.createContainer(sb, { ...config, ...io }, sandboxConfig);
    const probe: Probe = { exec: { command: ["cat", "/tmp/healthy"] } };
    const t = { ...target(), containerId: id };
    expect((await runProbe(probe, t, rt, clock)).result).toBe("error");
    rt.exec = (_c, cmd) => ({
      exitCode: cmd[1] === "/tmp/healthy" ? 0 : 1,
      stdout: new Uint8Array(),
      stderr: new Uint8Array(),
    });
    expect(await runProbe(probe, t, rt, clock)).toEqual({ result: "success" });
    rt.exec = () => ({
      exitCode: 1,
      stdout: Buffer.from("cat: /tmp/healthy: No such file or directory\n"),
      stderr: new Uint8Array(),
    });
    expect(await runProbe(probe, t, rt, clock)).toEqual({
      result: "failure",
      output: "cat: /tmp/healthy: No such file or directory\n",
    });
  });
});
