// `--sweep`: creates/s through the API and into the floor at several concurrencies, each on a
// fresh control plane: how the default concurrency was chosen.
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT, startControlPlane } from "../../cli/local-control-plane.ts";
import { readWorkerConfig } from "../../cli/wrangler-config.ts";
import { startFloor } from "./floor.ts";
import { Client } from "./http.ts";
import { closedLoop } from "./load.ts";
import { BENCH_NODE, createNamespace, podBody, podsPath } from "./pods.ts";

export async function sweep(
  levels: readonly number[],
  ms: number,
  tmpRoot: string,
  log: (l: string) => void,
): Promise<void> {
  for (const c of levels) {
    const r = await runCreatesOnly(c, ms, tmpRoot);
    log(
      `concurrency ${String(c).padStart(3)}: full API ${r.api.toFixed(0)} creates/s, floor ${r.floor.toFixed(0)} inserts/s`,
    );
  }
}

async function runCreatesOnly(
  concurrency: number,
  ms: number,
  tmpRoot: string,
): Promise<{ api: number; floor: number }> {
  const dataDir = await mkdtemp(join(tmpRoot, "kflare-bench-"));
  const cp = await startControlPlane({ dataDir, port: 0 });
  try {
    const config = await readWorkerConfig(join(REPO_ROOT, "wrangler.toml"), join(dataDir, "wrangler-config.json"));
    const floor = await startFloor(join(dataDir, "pki"), join(dataDir, "floor"), config, cp.caPem);
    const api = new Client({ url: cp.url, caPem: cp.caPem, token: cp.adminToken }, concurrency);
    const fc = new Client({ url: floor.url, caPem: cp.caPem }, concurrency);
    try {
      await createNamespace(api, "s");
      const op = (c: Client, p: string) => async (seq: number) =>
        (await c.send("POST", podsPath("s"), podBody("s", `${p}${seq}`, { nodeName: BENCH_NODE }))).status === 201 ||
        "create failed";
      await closedLoop(concurrency, 1500, op(api, "w"));
      await closedLoop(concurrency, 1500, op(fc, "w"));
      const a = await closedLoop(concurrency, ms, op(api, "c"));
      const f = await closedLoop(concurrency, ms, op(fc, "c"));
      return { api: a.perSecond, floor: f.perSecond };
    } finally {
      api.close();
      fc.close();
      await floor.stop();
    }
  } finally {
    await cp.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
