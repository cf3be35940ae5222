import { describe, expect, it } from "vitest";
import {
  bringUp,
  deploymentOf,
  podCounts,
  readyPods,
  rolledOut,
  setImage,
  settleReplicaSets,
  step,
} from "../testing/drive.ts";
import { deploymentFixture, rolling, rolloutStatusMessage } from "../testing/fixtures.ts";
import { World } from "../testing/world.ts";
import { REPLICASETS } from "../types.ts";
import { maxSurge, maxUnavailable } from "./util.ts";

interface Case {
  surge: string | number;
  unavailable: string | number;
  replicas: number;
  /** How many pods the node readies between two steps. */
  readyPerStep: number;
}

const cases: Case[] = [
  { surge: "25%", unavailable: "25%", replicas: 3, readyPerStep: 1 },
  { surge: "25%", unavailable: "25%", replicas: 10, readyPerStep: 1 },
  { surge: "25%", unavailable: "25%", replicas: 10, readyPerStep: 100 },
  { surge: 1, unavailable: 0, replicas: 3, readyPerStep: 1 },
  { surge: 0, unavailable: 1, replicas: 3, readyPerStep: 1 },
  { surge: "100%", unavailable: 0, replicas: 3, readyPerStep: 1 },
  { surge: "100%", unavailable: 0, replicas: 4, readyPerStep: 100 },
  { surge: 2, unavailable: "50%", replicas: 5, readyPerStep: 2 },
];

/** Rolls out a new image step by step, checking upstream's two promises after every step. */
function rollOut(c: Case): { world: World; steps: number; statuses: string[] } {
  const world = new World();
  const deployment = deploymentFixture({ replicas: c.replicas, strategy: rolling(c.surge, c.unavailable) });
  bringUp(world, deployment);
  setImage(world, "web-app", "nginx:1.28");
  const d = deploymentOf(world, "web-app");
  const ceiling = c.replicas + maxSurge(d);
  const floor = c.replicas - maxUnavailable(d);
  const statuses: string[] = [];
  const check = (when: string) => {
    const counts = podCounts(world);
    expect(counts.active, `${when}: pods above replicas + maxSurge`).toBeLessThanOrEqual(ceiling);
    expect(counts.ready, `${when}: ready pods below replicas - maxUnavailable`).toBeGreaterThanOrEqual(floor);
    const spec = world.list(REPLICASETS).reduce((n, rs) => n + ((rs.spec as { replicas?: number }).replicas ?? 0), 0);
    expect(spec, `${when}: ReplicaSets asked for more than replicas + maxSurge`).toBeLessThanOrEqual(ceiling);
  };
  let steps = 0;
  for (; steps < 100 && !rolledOut(world, "web-app"); steps++) {
    world.advance(1000);
    step(world, "web-app");
    check(`step ${steps}`);
    statuses.push(rolloutStatusMessage(deploymentOf(world, "web-app")).message);
    readyPods(world, c.readyPerStep);
    settleReplicaSets(world);
    check(`step ${steps}, pods readied`);
  }
  world.settle("web-app");
  statuses.push(rolloutStatusMessage(deploymentOf(world, "web-app")).message);
  return { world, steps, statuses };
}

describe("RollingUpdate, step by step", () => {
  it.each(cases)(
    "maxSurge $surge, maxUnavailable $unavailable, $replicas replicas, $readyPerStep ready per step",
    (c) => {
      const { world, steps, statuses } = rollOut(c);
      expect(steps).toBeLessThan(100);
      expect(rolledOut(world, "web-app")).toBe(true);
      expect(statuses.at(-1)).toBe('deployment "web-app" successfully rolled out');
      const rss = world
        .list(REPLICASETS)
        .map((rs) => [
          rs.metadata.annotations?.["deployment.kubernetes.io/revision"],
          (rs.spec as { replicas?: number }).replicas,
        ]);
      expect(rss).toEqual([
        ["1", 0],
        ["2", c.replicas],
      ]);
      const status = deploymentOf(world, "web-app").status;
      expect(status?.conditions?.map((x) => [x.type, x.status, x.reason])).toEqual([
        ["Available", "True", "MinimumReplicasAvailable"],
        ["Progressing", "True", "NewReplicaSetAvailable"],
      ]);
    },
  );

  it("takes the steps upstream takes for 3 replicas at 25%/25% (surge 1, unavailable 0)", () => {
    const { world, statuses } = rollOut(cases[0] as Case);
    const [oldRS, newRS] = world.list(REPLICASETS).map((rs) => rs.metadata.name);
    const scaling = world.events.filter((e) => e.reason === "ScalingReplicaSet").map((e) => e.message);
    expect(scaling.slice(1)).toEqual([
      `Scaled up replica set ${newRS} from 0 to 1`,
      `Scaled down replica set ${oldRS} from 3 to 2`,
      `Scaled up replica set ${newRS} from 1 to 2`,
      `Scaled down replica set ${oldRS} from 2 to 1`,
      `Scaled up replica set ${newRS} from 2 to 3`,
      `Scaled down replica set ${oldRS} from 1 to 0`,
    ]);
    const waiting = (what: string) => `Waiting for deployment "web-app" rollout to finish: ${what}...`;
    // What `kubectl rollout status` would print after each step.
    expect(statuses).toEqual([
      waiting("0 out of 3 new replicas have been updated"),
      waiting("1 out of 3 new replicas have been updated"),
      waiting("1 out of 3 new replicas have been updated"),
      waiting("2 out of 3 new replicas have been updated"),
      waiting("2 out of 3 new replicas have been updated"),
      waiting("1 old replicas are pending termination"),
      'deployment "web-app" successfully rolled out',
      'deployment "web-app" successfully rolled out',
    ]);
  });

  it("moves the Progressing condition's lastUpdateTime on progress and keeps its transition time", () => {
    const { world } = rollOut(cases[1] as Case);
    const progressing = deploymentOf(world, "web-app").status?.conditions?.find((c) => c.type === "Progressing");
    expect(progressing?.lastTransitionTime).toBe("2025-01-01T12:00:00Z");
    expect(progressing?.message).toMatch(/^ReplicaSet "web-app-[a-z0-9]+" has successfully progressed\.$/);
    expect(Date.parse(progressing?.lastUpdateTime ?? "")).toBeGreaterThan(Date.parse("2025-01-01T12:00:05Z"));
  });
});
