// Controllers and the scheduler end to end: the real kubectl against the local control plane,
// simulated nodes (the kwok way) running the pods. Timeouts are shortened through the Worker's
// configuration so node failures play out in seconds.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionFromKubeconfig, KubeClient, type Obj } from "../../cli/kube-client.ts";
import { type ControlPlane, startControlPlane } from "../../cli/local-control-plane.ts";
import { Simulator } from "../../sim/simulator.ts";
import { type RunResult, runKubectl, toolBinaries } from "../tools/binaries.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SEED = join(ROOT, "examples/deployment.yaml");
const VARS = { NODE_GRACE_PERIOD_SECONDS: "2", DEFAULT_TOLERATION_SECONDS: "2" };

let cp: ControlPlane;
let dataDir: string;
let sim: Simulator;
let client: KubeClient;
let port: number;

async function start(): Promise<void> {
  cp = await startControlPlane({ dataDir, port, vars: VARS });
  port = Number(new URL(cp.url).port);
  const connection = await connectionFromKubeconfig(cp.kubeconfigPath);
  client = new KubeClient(connection);
  sim = new Simulator({ connection, nodes: 3, prefix: "node", leaseRenewMs: 500, leaseDurationSeconds: 2 });
  await sim.start();
}

async function stop(): Promise<void> {
  await sim?.close();
  client?.close();
  await cp?.stop();
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "kflare-e2e-controllers-"));
  port = 0;
  await toolBinaries();
  await start();
}, 120_000);

afterAll(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<RunResult> {
  return runKubectl(args, { kubeconfig: cp.kubeconfigPath, timeoutMs: 120_000 });
}

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

interface PodView {
  name: string;
  node: string;
  phase: string;
  image: string;
  deleting: boolean;
  uid: string;
}

async function pods(selector = "app=web-app"): Promise<PodView[]> {
  const list = await client.get<{ items: Obj[] }>(
    `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`,
  );
  return list.items.map((p) => ({
    name: p.metadata.name ?? "",
    node: (p.spec as { nodeName?: string }).nodeName ?? "",
    phase: (p.status as { phase?: string }).phase ?? "",
    image: (p.spec as { containers: { image: string }[] }).containers[0]!.image,
    deleting: !!p.metadata.deletionTimestamp,
    uid: p.metadata.uid ?? "",
  }));
}

const live = (ps: PodView[]) => ps.filter((p) => !p.deleting);
const running = (ps: PodView[]) => live(ps).filter((p) => p.phase === "Running");

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${ms} ms${last ? ` (${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a Deployment on simulated nodes", () => {
  it("runs the seed manifest's 3 pods spread over the nodes", async () => {
    await ok("apply", "-f", SEED);
    expect(await ok("rollout", "status", "deployment/web-app", "--timeout=60s")).toContain(
      'deployment "web-app" successfully rolled out',
    );
    const ps = running(await pods());
    expect(ps).toHaveLength(3);
    expect(new Set(ps.map((p) => p.node)).size).toBe(3);
    const table = await ok("get", "deploy", "web-app");
    expect(table).toMatch(/^web-app\s+3\/3\s+3\s+3\s+/m);
  });

  it("scales to 5", async () => {
    await ok("scale", "deployment", "web-app", "--replicas=5");
    await eventually("5 running pods", async () => running(await pods()).length === 5);
    await ok("rollout", "status", "deployment/web-app", "--timeout=60s");
  });

  it("rolls a new image out without dropping below the allowed availability, and undoes it", async () => {
    let minAvailable = Number.POSITIVE_INFINITY;
    let maxPods = 0;
    const watcher = client.watch(
      "/apis/apps/v1/namespaces/default/deployments?fieldSelector=metadata.name%3Dweb-app",
      (_type, d) => {
        const s = d.status as { availableReplicas?: number; replicas?: number; observedGeneration?: number };
        if (s?.observedGeneration !== undefined) {
          minAvailable = Math.min(minAvailable, s.availableReplicas ?? 0);
          maxPods = Math.max(maxPods, s.replicas ?? 0);
        }
      },
      () => {},
    );
    try {
      await ok("set", "image", "deployment/web-app", "web=myapp:1.3.0");
      expect(await ok("rollout", "status", "deployment/web-app", "--timeout=90s")).toContain("successfully rolled out");
    } finally {
      watcher.stop();
    }
    // 5 replicas, maxUnavailable 25% (rounded down: 1), maxSurge 25% (rounded up: 2).
    expect(minAvailable).toBeGreaterThanOrEqual(4);
    expect(maxPods).toBeLessThanOrEqual(7);
    await eventually("5 pods on the new image", async () => {
      const ps = live(await pods());
      return ps.length === 5 && ps.every((p) => p.image === "myapp:1.3.0" && p.phase === "Running");
    });
    const history = await ok("rollout", "history", "deployment/web-app");
    expect(history).toMatch(/^1\s/m);
    expect(history).toMatch(/^2\s/m);

    await ok("rollout", "undo", "deployment/web-app");
    expect(await ok("rollout", "status", "deployment/web-app", "--timeout=90s")).toContain("successfully rolled out");
    expect(await ok("get", "deploy", "web-app", "-o", "jsonpath={.spec.template.spec.containers[0].image}")).toBe(
      "myapp:1.2.0",
    );
    await eventually("5 pods back on the old image", async () => {
      const ps = live(await pods());
      return ps.length === 5 && ps.every((p) => p.image === "myapp:1.2.0" && p.phase === "Running");
    });
  });

  it("replaces a deleted pod", async () => {
    const [victim] = running(await pods());
    await ok("delete", "pod", victim!.name, "--wait=true");
    await eventually("a replacement", async () => {
      const ps = running(await pods());
      return ps.length === 5 && !ps.some((p) => p.name === victim!.name);
    });
  });
});

describe("node failures", () => {
  it("reschedules the pods of a node that stops renewing its lease", async () => {
    const before = running(await pods());
    const dead = before[0]!.node;
    sim.stopNode(dead);
    await eventually("node NotReady", async () => (await ok("get", "node", dead)).match(/NotReady|Unknown/));
    await eventually(
      "5 running pods off the dead node",
      async () => {
        const ps = running(await pods()).filter((p) => p.node !== dead);
        return ps.length === 5;
      },
      60_000,
    );
    await sim.resumeNode(dead);
    await eventually("node Ready again", async () => /\sReady\s/.test(await ok("get", "node", dead)));
  });

  it("evicts nothing when every node is unreachable at once", async () => {
    const before = new Set(live(await pods()).map((p) => p.uid));
    for (const n of sim.nodeNames()) sim.stopNode(n);
    await eventually("all nodes NotReady", async () => {
      const out = await ok("get", "nodes", "--no-headers");
      return out
        .trim()
        .split("\n")
        .every((l) => /NotReady|Unknown/.test(l));
    });
    // Grace (2 s) and toleration (2 s) have long passed by now; wait as long again to be sure.
    await new Promise((r) => setTimeout(r, 6000));
    const after = live(await pods()).map((p) => p.uid);
    expect(after.every((uid) => before.has(uid))).toBe(true);
    expect(after).toHaveLength(before.size);
    for (const n of sim.nodeNames()) await sim.resumeNode(n);
    await eventually("nodes Ready", async () =>
      (await ok("get", "nodes", "--no-headers"))
        .trim()
        .split("\n")
        .every((l) => /\sReady\s/.test(l)),
    );
  });

  it("evicts nothing across a control plane restart", async () => {
    const before = new Set(live(await pods()).map((p) => p.uid));
    await stop();
    await new Promise((r) => setTimeout(r, 3000));
    await start();
    await new Promise((r) => setTimeout(r, 6000));
    const after = live(await pods()).map((p) => p.uid);
    expect(after.every((uid) => before.has(uid))).toBe(true);
    expect(after).toHaveLength(before.size);
  });
});

describe("maintenance and failures to schedule", () => {
  it("cordons and drains a node", async () => {
    const target = running(await pods())[0]!.node;
    await ok("cordon", target);
    expect(await ok("get", "node", target)).toMatch(/Ready,SchedulingDisabled/);
    const drained = await kubectl("drain", target, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=90s");
    expect(drained.stderr + drained.stdout).toContain(`node/${target} drained`);
    await eventually("no live pods on the drained node, 5 running elsewhere", async () => {
      const ps = live(await pods());
      return !ps.some((p) => p.node === target) && running(ps).length === 5;
    });
    await ok("uncordon", target);
    // The node lifecycle takes the unschedulable taint off on its next pass (at most 500 ms apart).
    await eventually("the uncordoned node loses its unschedulable taint", async () =>
      (await ok("get", "node", target, "-o", "jsonpath={.spec.taints}")) === "" ? true : undefined,
    );
  });

  it("leaves a pod that fits nowhere Pending with a FailedScheduling event", async () => {
    const manifest = join(dataDir, "huge.yaml");
    await writeFile(
      manifest,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "huge", labels: { app: "huge" } },
        spec: { containers: [{ name: "c", image: "myapp:1.2.0", resources: { requests: { cpu: "64" } } }] },
      }),
    );
    await ok("apply", "-f", manifest);
    const event = await eventually("FailedScheduling", async () => {
      const out = await ok(
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=huge,reason=FailedScheduling",
        "-o",
        "jsonpath={.items[0].message}",
      );
      return out || undefined;
    });
    expect(event).toMatch(/^0\/3 nodes are available: 3 Insufficient cpu\./);
    expect(await ok("get", "pod", "huge", "-o", "jsonpath={.status.phase}")).toBe("Pending");
    expect(await ok("describe", "pod", "huge")).toContain("FailedScheduling");
    await ok("delete", "pod", "huge");
  });
});

describe("deletion", () => {
  it("removes a Deployment with its ReplicaSets and pods", async () => {
    await ok("delete", "-f", SEED);
    await eventually("no ReplicaSets or pods left", async () => {
      const rs = await ok("get", "rs", "-l", "app=web-app", "-o", "name");
      return rs.trim() === "" && live(await pods()).length === 0;
    });
  });

  it("deletes a namespace with its content", async () => {
    await ok("create", "namespace", "scratch");
    await ok("create", "deployment", "tmp", "-n", "scratch", "--image=myapp:1.2.0", "--replicas=2");
    await eventually(
      "pods in scratch",
      async () => (await ok("get", "pods", "-n", "scratch", "-o", "name")).trim().split("\n").length === 2,
    );
    const r = await kubectl("delete", "namespace", "scratch", "--timeout=60s");
    expect(r.stdout).toContain('namespace "scratch" deleted');
    expect((await kubectl("get", "namespace", "scratch")).stderr).toContain('namespaces "scratch" not found');
    expect(JSON.parse(await ok("get", "pods", "-n", "scratch", "-o", "json")).items).toEqual([]);
  });
});
