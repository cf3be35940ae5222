// measureWatch against a stand-in for the API: an HTTPS server that answers each POST with 201 and
// sends the posted object as an ADDED line to every open watch. What the benchmark counts (every
// watcher sees every write, once; duplicates and ERROR lines are told apart) is checked here, with
// the watchers on their own thread as in a real run.
import type { ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createCa, issueServerCert } from "../../cli/pki.ts";
import { Client } from "./http.ts";
import { measureWatch, type WatchPhase, type WatchResult } from "./watch.ts";

interface StandIn {
  url: string;
  caPem: string;
}

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** `line` renders what a watch gets for each posted body (one or more lines); default: ADDED. */
async function standIn(line = (body: string) => `{"type":"ADDED","object":${body}}\n`): Promise<StandIn> {
  const ca = await createCa();
  const cert = await issueServerCert(ca.certPem, ca.keyPem, ["127.0.0.1"]);
  const watches: ServerResponse[] = [];
  server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      watches.push(res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = line(Buffer.concat(chunks).toString("utf8"));
      for (const w of watches) w.write(text);
      res.writeHead(201).end("{}");
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `https://127.0.0.1:${port}`, caPem: ca.certPem };
}

/** A watch phase of `watchers` against the stand-in, through the benchmark's own client. */
async function measure(s: StandIn, watchers: number): Promise<WatchResult> {
  const client = new Client({ url: s.url, caPem: s.caPem }, 64);
  try {
    return await measureWatch(client, phase(watchers));
  } finally {
    client.close();
  }
}

function phase(watchers: number): WatchPhase {
  return {
    namespace: "ns",
    watchPath: "/watch",
    postPath: "/pods",
    watchers,
    ratePerSecond: 100,
    durationMs: 300,
    stallMs: 1_000,
    maxDrainMs: 5_000,
    body: (namespace, name, annotations) => JSON.stringify({ metadata: { namespace, name, annotations } }),
  };
}

describe("measureWatch", () => {
  it("counts every write at every watcher once, with a latency for each", async () => {
    const s = await standIn();
    const r = await measure(s, 4);
    expect(r.written).toBe(30);
    expect(r.expected).toBe(120);
    expect(r.received).toBe(120);
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(r.errorEvents).toBe(0);
    expect(r.endedEarly).toBe(0);
    expect(r.latency.count).toBe(120);
    // Times come from one clock on both threads: never negative, and loopback answers in well under 5 s.
    expect(r.latency.quantile(0)).toBeGreaterThanOrEqual(0);
    expect(r.latency.max()).toBeLessThan(5_000);
  });

  it("tells duplicates, ERROR lines and other events apart from deliveries", async () => {
    const s = await standIn(
      (body) =>
        `{"type":"ADDED","object":${body}}\n{"type":"ADDED","object":${body}}\n` +
        `{"type":"MODIFIED","object":${body}}\n{"type":"ERROR","object":{"code":410}}\n`,
    );
    const r = await measure(s, 2);
    expect(r.received).toBe(60);
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(60);
    expect(r.otherEvents).toBe(60);
    expect(r.errorEvents).toBe(60);
    expect(r.firstError).toContain('"ERROR"');
  });
});
