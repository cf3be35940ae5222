// dialInNetns against a server inside a network namespace this test creates, listening on that
// namespace's 127.0.0.1 only: bytes both ways, half-closes as a TCP socket has them, a greeting the
// server sends first, and a refusal's text. Needs root (network namespaces): without it the tests
// skip and say why, except in CI, where they fail.
import type { ChildProcess } from "node:child_process";
import type { Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestNetns } from "../../test/tools/netns.ts";
import { waitFor } from "../runtime/testing.ts";
import { dialInNetns } from "./netns-dial.ts";

const PORT = 3107;
// Greets, then echoes in upper case; ends its side when the client ends its own.
const SERVER = `require("node:net").createServer((c)=>{c.write("hello\\n");c.on("data",(d)=>c.write(d.toString().toUpperCase()));c.on("end",()=>c.end());}).listen(${PORT},"127.0.0.1",()=>console.log("listening"));`;

let netns: TestNetns | undefined;
let server: ChildProcess | undefined;
let why: string | undefined;

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    why = "needs root (network namespaces)";
    if (process.env.CI === "true") throw new Error(`netns-dial tests: ${why}`);
    return;
  }
  netns = TestNetns.create("kflare-ndial");
  server = netns.spawn(process.execPath, ["-e", SERVER]);
  let out = "";
  server.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  await waitFor(async () => (out.includes("listening") ? true : undefined));
});

afterAll(async () => {
  server?.kill("SIGKILL");
  await netns?.destroy();
});

function collect(connection: Duplex): { text: () => string; closed: Promise<Error | undefined> } {
  let text = "";
  connection.on("data", (b: Buffer) => (text += b.toString()));
  const closed = new Promise<Error | undefined>((resolve) => {
    let error: Error | undefined;
    connection.on("error", (e) => (error = e));
    connection.on("close", () => resolve(error));
  });
  return { text: () => text, closed };
}

describe("dialInNetns", { timeout: 30_000 }, () => {
  it("reaches a server on the namespace's own loopback: its greeting, both directions, a clean close", async ({
    skip,
  }) => {
    if (why !== undefined) return skip(why);
    const path = `/run/netns/${netns?.name}`;
    const connection = await dialInNetns(path, PORT, 10_000);
    const seen = collect(connection);
    await waitFor(async () => (seen.text() === "hello\n" ? true : undefined));
    connection.write("ping\n");
    await waitFor(async () => (seen.text() === "hello\nPING\n" ? true : undefined));
    connection.end();
    expect(await seen.closed).toBeUndefined();
  });

  it("says why a port refuses", async ({ skip }) => {
    if (why !== undefined) return skip(why);
    await expect(dialInNetns(`/run/netns/${netns?.name}`, PORT + 1, 10_000)).rejects.toThrow(
      `dial tcp 127.0.0.1:${PORT + 1} in the pod's network namespace: connect ECONNREFUSED 127.0.0.1:${PORT + 1}`,
    );
  });

  it("says so when the namespace does not exist", async ({ skip }) => {
    if (why !== undefined) return skip(why);
    await expect(dialInNetns("/proc/999999999/ns/net", PORT, 10_000)).rejects.toThrow(/nsenter/);
  });
});
