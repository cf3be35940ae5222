import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configMap, container, makePod, secret } from "../pods/testing/fixtures.ts";
import { readStateFile, STATE_FILE_KIND, StateFileError, writeStateFile } from "./state-file.ts";

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kflare-state-"));
  path = join(dir, "k-agent", "state.json");
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const snapshot = () => ({
  resourceVersion: "42",
  pods: [makePod("web", { containers: [container("web", { resources: { limits: { cpu: "500m" } } })] })],
  configMaps: [configMap("cfg", { a: "1" })],
  secrets: [secret("creds", { token: "t0k" })],
});

describe("the state file", () => {
  it("round-trips, mode 0600, with no temporary file left behind", async () => {
    await writeStateFile(path, snapshot());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, "k-agent"))).toEqual(["state.json"]);
    const back = await readStateFile(path);
    expect(back).toEqual(snapshot());
    const raw = JSON.parse(await readFile(path, "utf8")) as { kind: string; version: number };
    expect(raw).toMatchObject({ kind: STATE_FILE_KIND, version: 1 });
  });

  it("is simply absent on a fresh node", async () => {
    expect(await readStateFile(path)).toBeUndefined();
  });

  it("replaces the previous file whole", async () => {
    await writeStateFile(path, snapshot());
    await writeStateFile(path, { ...snapshot(), resourceVersion: "43", pods: [] });
    expect(await readStateFile(path)).toMatchObject({ resourceVersion: "43", pods: [] });
  });

  it.each([
    ["truncated JSON", '{"kind":"KAgentState","vers', "it is not valid JSON"],
    ["another file", '{"hello":"world"}', "kind: "],
    [
      "a newer agent's file",
      JSON.stringify({
        kind: STATE_FILE_KIND,
        version: 9,
        resourceVersion: "1",
        pods: [],
        configMaps: [],
        secrets: [],
      }),
      "written by a newer k-agent (schema version 9; this agent reads 1)",
    ],
    [
      "a malformed pod",
      JSON.stringify({
        kind: STATE_FILE_KIND,
        version: 1,
        resourceVersion: "1",
        pods: [{ spec: { containers: "x" } }],
        configMaps: [],
        secrets: [],
      }),
      "pods[0].spec.containers",
    ],
  ])("refuses %s with an error naming the file, the problem and the fix", async (_what, body, problem) => {
    await writeStateFile(path, snapshot());
    await writeFile(path, body);
    const err = await readStateFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateFileError);
    const message = (err as Error).message;
    expect(message).toContain(path);
    expect(message).toContain(problem);
    expect(message).toContain('Run "k-agent reset" or delete the file');
  });
});
