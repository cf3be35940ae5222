// A watch client that stops reading (a suspended `kubectl get -w`), over the real HTTPS path of the
// local control plane (workerd through Miniflare, as `npm start` runs it). The store's bound on a
// watcher's backlog relies on workerd's writes completing only as the client takes the bytes; the
// store tests show it over RPC, this shows it through the HTTP server: the stopped client's watch
// ends once 32 MiB wait for it, what waited is not kept for it, and the other watcher gets all.

import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ControlPlane, startControlPlane } from "../../cli/local-control-plane.ts";
import { eventually } from "../tools/eventually.ts";

const MiB = 1024 * 1024;
let dataDir: string;
let cp: ControlPlane;
let agent: Agent;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kflare-e2e-slow-watch-"));
  cp = await startControlPlane({ dataDir, port: 0 });
  agent = new Agent({ keepAlive: true, ca: cp.caPem });
}, 120_000);
afterAll(async () => {
  agent?.destroy();
  await cp?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Options for a request to the API as the admin. */
function apiRequest(method: string, path: string, extra: Record<string, string | number> = {}) {
  const u = new URL(cp.url);
  return {
    host: u.hostname,
    port: Number(u.port),
    method,
    path,
    ca: cp.caPem,
    headers: { authorization: `Bearer ${cp.adminToken}`, ...extra },
  };
}

interface Watch {
  res: IncomingMessage;
  bytes: number;
  ended: boolean;
}

/** A watch of default's ConfigMaps on its own connection, counting the bytes that arrive. */
function watch(): Promise<Watch> {
  return new Promise((resolve, reject) => {
    const req = request(
      { ...apiRequest("GET", "/api/v1/namespaces/default/configmaps?watch=true"), agent: false },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`watch answered ${res.statusCode}`));
        const w: Watch = { res, bytes: 0, ended: false };
        const end = () => {
          w.ended = true;
        };
        res.on("data", (chunk: Buffer) => {
          w.bytes += chunk.length;
        });
        res.on("end", end);
        res.on("error", end);
        res.on("close", end);
        resolve(w);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function createConfigMap(name: string, value: string): Promise<number> {
  const body = JSON.stringify({ metadata: { name }, data: { v: value } });
  const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = request({ ...apiRequest("POST", "/api/v1/namespaces/default/configmaps", headers), agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

it("ends the watch of a client that stopped reading once 32 MiB wait for it, and nobody else's", async () => {
  const stalled = await watch();
  stalled.res.pause();
  const reading = await watch();
  // 48 events of 1 MiB: well past the bound for the client that does not read.
  const value = "x".repeat(MiB);
  for (let i = 0; i < 48; i++) expect(await createConfigMap(`big-${i}`, value)).toBe(201);
  await eventually("the reading watch has every event", async () => reading.bytes >= 48 * MiB, {
    timeoutMs: 30_000,
    intervalMs: 50,
  });
  expect(reading.ended).toBe(false);
  // Reading again, the stopped client gets what was already on its way (socket buffers, a few MiB)
  // and then the end of its watch, not the 32 MiB that waited for it: it watches again from there.
  stalled.res.resume();
  await eventually("the stalled watch ends", async () => stalled.ended, { timeoutMs: 30_000, intervalMs: 50 });
  expect(stalled.bytes).toBeLessThan(16 * MiB);
}, 120_000);
