import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Pod } from "../../schemas/core/pod.ts";
import { configMap, container, makePod, secret } from "../pods/testing/fixtures.ts";
import { Harness } from "../pods/testing/harness.ts";
import { type Assignments, OfflineState } from "./offline-state.ts";
import type { OfflineSnapshot } from "./state-file.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kflare-offline-"));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

function counting(path: string): { state: OfflineState; writes: OfflineSnapshot[] } {
  const writes: OfflineSnapshot[] = [];
  const state = new OfflineState({
    path,
    write: async (_p, s) => {
      writes.push(s);
    },
  });
  return { state, writes };
}

const withEnv = makePod("web", {
  containers: [container("web", { env: [{ name: "T", valueFrom: { secretKeyRef: { name: "creds", key: "t" } } }] })],
  volumes: [{ name: "c", configMap: { name: "cfg" } }],
});
const assignments = (pods: Pod[] = [withEnv]): Assignments => ({
  pods,
  configMaps: [configMap("cfg", { a: "1" }), configMap("unrelated", { b: "2" })],
  secrets: [secret("creds", { t: "x" })],
});

describe("OfflineState", () => {
  it("writes when assignments change, keeping only the ConfigMaps and Secrets the pods use", async () => {
    const { state, writes } = counting(join(dir, "state.json"));
    expect(await state.record(assignments(), "100")).toBe(true);
    expect(writes[0]?.configMaps.map((c) => c.metadata.name)).toEqual(["cfg"]);
    expect(writes[0]?.secrets.map((s) => s.metadata.name)).toEqual(["creds"]);
    expect(writes[0]?.pods[0]?.status).toEqual({ qosClass: "BestEffort" });
    expect(state.resourceVersion).toBe("100");
  });

  it("does not write, nor advance the resourceVersion, for bookmarks and the agent's own status writes", async () => {
    const { state, writes } = counting(join(dir, "state.json"));
    await state.record(assignments(), "100");
    // A bookmark: same objects, newer resourceVersion.
    expect(await state.record(assignments(), "150")).toBe(false);
    // The agent's own status write: the pod's resourceVersion and status moved, nothing else.
    const statusWritten: Pod = {
      ...withEnv,
      metadata: { ...withEnv.metadata, resourceVersion: "151" },
      status: { ...withEnv.status, phase: "Running", podIP: "10.42.0.10" },
    };
    expect(await state.record(assignments([statusWritten]), "151")).toBe(false);
    expect(writes).toHaveLength(1);
    expect(state.resourceVersion).toBe("100");
    // A real change: the pod is being deleted.
    const deleting: Pod = { ...withEnv, metadata: { ...withEnv.metadata, deletionTimestamp: "2025-01-01T12:00:00Z" } };
    expect(await state.record(assignments([deleting]), "160")).toBe(true);
    expect(state.resourceVersion).toBe("160");
    // A finished pod is written once, so it is not started again after a reboot.
    const finished: Pod = { ...withEnv, status: { ...withEnv.status, phase: "Succeeded" } };
    expect(await state.record(assignments([finished]), "170")).toBe(true);
    expect(writes.at(-1)?.pods[0]?.status?.phase).toBe("Succeeded");
  });

  it("after a restart, loads what it saved and does not write it again", async () => {
    const path = join(dir, "state.json");
    await new OfflineState({ path }).record(assignments(), "100");
    const { state, writes } = counting(path);
    const saved = await state.load();
    expect(saved?.resourceVersion).toBe("100");
    expect(saved?.pods.map((p) => p.metadata.uid)).toEqual(["uid-web"]);
    expect(await state.record(assignments(), "120")).toBe(false);
    expect(writes).toHaveLength(0);
  });

  it("brings pods back from the file with the control plane unreachable, and writes nothing while idle", async () => {
    const path = join(dir, "state.json");
    await new OfflineState({ path }).record(assignments(), "100");
    const before = await stat(path);

    // A rebooted node: an empty runtime, the API unreachable, only the file.
    const h = await Harness.create({ dir: join(dir, "node") });
    try {
      const { state, writes } = counting(path);
      const saved = await state.load();
      if (!saved) throw new Error("no saved state");
      await h.set(saved.pods, saved.configMaps, saved.secrets);
      expect(h.runtime.running("web")?.config.env).toEqual([{ name: "T", value: "x" }]);
      const volume = join(h.dir, "pods", "uid-web", "volumes", "kubernetes.io~configmap", "c", "..data", "a");
      const volumeBefore = await stat(volume);

      // Ten idle minutes: relists, resyncs and the session re-recording the same assignments.
      for (let minute = 0; minute < 10; minute++) {
        await h.tick(60_000);
        await state.record(saved, String(200 + minute));
      }
      expect(writes).toHaveLength(0);
      expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
      expect((await stat(volume)).mtimeMs).toBe(volumeBefore.mtimeMs);
      expect(h.runtime.named("web")).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
