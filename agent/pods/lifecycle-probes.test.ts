import http from "node:http";
import type net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { container, makePod } from "./testing/fixtures.ts";
import { Harness, until } from "./testing/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

let healthy = true;
let server: http.Server;
let port = 0;
let requests = 0;
beforeAll(async () => {
  server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(healthy ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function harness(): Promise<Harness> {
  const harness = await Harness.create();
  harness.runtime.podIP = "127.0.0.1";
  return harness;
}

/** Advances the clock one second at a time until the condition holds (probes make real HTTP calls). */
async function tickUntil(condition: () => boolean, what: string, maxSeconds = 120): Promise<void> {
  for (let i = 0; i < maxSeconds && !condition(); i++) {
    const before = requests;
    await h.tick(1000);
    // A probe may have started its request in this second: let it land before judging.
    if (requests !== before || condition()) continue;
  }
  await until(condition, what);
}

const ready = (uid: string) => h.status(uid).conditions?.find((c) => c.type === "Ready")?.status;

describe("readiness", () => {
  it("keeps a container unready until its probe passes, and flips Ready with it", async () => {
    healthy = true;
    h = await harness();
    const probe = { httpGet: { path: "/ready", port }, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 2 };
    await h.set([makePod("rd", { containers: [container("web", { readinessProbe: probe })] })]);
    expect(ready("uid-rd")).toBe("False");
    expect(h.status("uid-rd").containerStatuses?.[0]?.ready).toBe(false);
    await h.tick(4000);
    expect(requests).toBe(0);
    await tickUntil(() => ready("uid-rd") === "True", "Ready");
    expect(h.status("uid-rd").conditions?.find((c) => c.type === "ContainersReady")?.status).toBe("True");

    healthy = false;
    const unhealthyFrom = requests;
    await tickUntil(() => ready("uid-rd") === "False", "not Ready");
    // failureThreshold 2: two failed probes, not one.
    expect(requests - unhealthyFrom).toBe(2);
    expect(h.eventTexts()).toContain(
      "Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 503",
    );
    expect(h.runtime.named("web")).toHaveLength(1);
  });
});

describe("liveness", () => {
  it("restarts the container after failureThreshold failures: Unhealthy, then Killing", async () => {
    healthy = false;
    h = await harness();
    const probe = { tcpSocket: { port: 1 }, periodSeconds: 5, failureThreshold: 3 };
    await h.set([makePod("lv", { containers: [container("web", { livenessProbe: probe })] })]);
    await tickUntil(() => h.runtime.named("web").length === 2, "the restart", 60);
    // failureThreshold 3: three failures before the kill (the new container's probes follow after).
    const untilKill = h.reasons().slice(0, h.reasons().indexOf("Killing"));
    expect(untilKill.filter((r) => r === "Unhealthy")).toHaveLength(3);
    expect(h.eventTexts()).toContain("Normal Killing Container web failed liveness probe, will be restarted");
    expect(h.runtime.stops.at(-1)).toMatchObject({ name: "web", timeoutSeconds: 30 });
    await tickUntil(() => h.status("uid-lv").containerStatuses?.[0]?.restartCount === 1, "restartCount 1");
    expect(h.status("uid-lv").containerStatuses?.[0]?.lastState?.terminated).toMatchObject({
      exitCode: 137,
      reason: "Error",
    });
  });

  it("runs exec probes through the runtime and waits for the startup probe first", async () => {
    h = await harness();
    let started = false;
    let alive = true;
    const execs: string[] = [];
    h.runtime.exec = (_c, cmd) => {
      execs.push(cmd.join(" "));
      const ok = cmd[0] === "startup" ? started : alive;
      return { exitCode: ok ? 0 : 1, stdout: Buffer.from(ok ? "" : `${cmd[0]} says no`), stderr: new Uint8Array() };
    };
    const web = container("web", {
      startupProbe: { exec: { command: ["startup"] }, periodSeconds: 1, failureThreshold: 30 },
      livenessProbe: { exec: { command: ["alive"] }, periodSeconds: 1, failureThreshold: 1 },
    });
    await h.set([makePod("st", { containers: [web] })]);
    await h.tick(3000);
    expect(h.status("uid-st").containerStatuses?.[0]).toMatchObject({ started: false, ready: false });
    expect(execs.every((e) => e === "startup")).toBe(true);
    started = true;
    await tickUntil(() => h.status("uid-st").containerStatuses?.[0]?.started === true, "started");
    expect(ready("uid-st")).toBe("True");
    alive = false;
    await tickUntil(() => h.runtime.named("web").length === 2, "the liveness restart");
    expect(h.eventTexts()).toContain("Warning Unhealthy Liveness probe failed: alive says no");
  });
});
