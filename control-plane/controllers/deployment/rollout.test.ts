import { describe, expect, it } from "vitest";
import {
  bringUp,
  deploymentOf,
  readyPods,
  rolledOut,
  setImage,
  settleReplicaSets,
  step,
  updateDeployment,
} from "../testing/drive.ts";
import { deploymentFixture, rolloutStatusMessage } from "../testing/fixtures.ts";
import { World } from "../testing/world.ts";
import { DEPLOYMENTS, REPLICASETS } from "../types.ts";
import type { ReplicaSetObject } from "./util.ts";

const revisions = (world: World) =>
  (world.list(REPLICASETS) as ReplicaSetObject[]).map((rs) => ({
    revision: rs.metadata.annotations?.["deployment.kubernetes.io/revision"],
    history: rs.metadata.annotations?.["deployment.kubernetes.io/revision-history"],
    image: rs.spec?.template?.spec?.containers?.[0]?.image,
    replicas: rs.spec?.replicas,
  }));

/** Steps (until rolled out, at most `max` times), readying every pod between steps. */
function run(world: World, name = "web-app", max = 30): void {
  for (let i = 0; i < max && !rolledOut(world, name); i++) {
    world.advance(1000);
    step(world, name);
    readyPods(world);
    settleReplicaSets(world);
  }
  world.settle(name);
}

function finish(world: World, name = "web-app"): void {
  run(world, name);
  expect(rolledOut(world, name)).toBe(true);
}

describe("Recreate", () => {
  it("scales the old ReplicaSet to zero, waits for its pods to be gone, then starts the new one", () => {
    const world = new World();
    world.gracefulPods = true;
    bringUp(world, deploymentFixture({ replicas: 2, strategy: { type: "Recreate" } }));
    setImage(world, "web-app", "nginx:1.28");
    world.events.length = 0;

    step(world, "web-app");
    const [old] = world.list(REPLICASETS);
    expect(world.list(REPLICASETS)).toHaveLength(1);
    expect(world.pods().every((p) => p.metadata.deletionTimestamp)).toBe(true);
    // Old pods still terminating: no new ReplicaSet yet, however often the controller runs.
    world.advance(1000);
    step(world, "web-app");
    expect(world.list(REPLICASETS)).toHaveLength(1);

    world.finishTerminations();
    step(world, "web-app");
    const created = world.list(REPLICASETS).find((rs) => rs.metadata.name !== old?.metadata.name);
    expect(created?.spec).toMatchObject({ replicas: 2 });
    expect(world.events.filter((e) => e.reason === "ScalingReplicaSet").map((e) => e.message)).toEqual([
      `Scaled down replica set ${old?.metadata.name} from 2 to 0`,
      `Scaled up replica set ${created?.metadata.name} from 0 to 2`,
    ]);
    finish(world);
  });

  it("requires every replica for the Available condition (no unavailability budget)", () => {
    const world = new World();
    bringUp(world, deploymentFixture({ replicas: 2, strategy: { type: "Recreate" } }));
    setImage(world, "web-app", "nginx:1.28");
    step(world, "web-app");
    step(world, "web-app");
    const available = deploymentOf(world, "web-app").status?.conditions?.find((c) => c.type === "Available");
    expect(available).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable" });
  });
});

describe("rollback (kubectl rollout undo)", () => {
  it("makes the previous template's ReplicaSet current again with the next revision", () => {
    const world = new World();
    bringUp(world, deploymentFixture({ replicas: 3, annotations: { "kubernetes.io/change-cause": "v1" } }));
    const v1 = deploymentOf(world, "web-app").spec?.template;
    updateDeployment(world, "web-app", (d) => {
      d.metadata.annotations = { ...d.metadata.annotations, "kubernetes.io/change-cause": "v2" };
      const c = d.spec?.template?.spec?.containers?.[0];
      if (c) c.image = "nginx:1.28";
    });
    finish(world);
    expect(revisions(world)).toEqual([
      { revision: "1", history: undefined, image: "nginx:1.27", replicas: 0 },
      { revision: "2", history: undefined, image: "nginx:1.28", replicas: 3 },
    ]);
    // What kubectl sends: the old ReplicaSet's template (without pod-template-hash) and annotations.
    updateDeployment(world, "web-app", (d) => {
      if (d.spec && v1) d.spec.template = v1;
      d.metadata.annotations = { ...d.metadata.annotations, "kubernetes.io/change-cause": "v1" };
    });
    finish(world);
    expect(revisions(world)).toEqual([
      { revision: "3", history: "1", image: "nginx:1.27", replicas: 3 },
      { revision: "2", history: undefined, image: "nginx:1.28", replicas: 0 },
    ]);
    const d = deploymentOf(world, "web-app");
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
    expect(world.list(REPLICASETS)[0]?.metadata.annotations?.["kubernetes.io/change-cause"]).toBe("v1");
  });
});

describe("paused", () => {
  it("makes no rollout progress but still scales, and marks the pause in Progressing", () => {
    const world = new World();
    bringUp(world, deploymentFixture({ replicas: 2 }));
    updateDeployment(world, "web-app", (d) => {
      if (d.spec) d.spec.paused = true;
    });
    setImage(world, "web-app", "nginx:1.28");
    updateDeployment(world, "web-app", (d) => {
      if (d.spec) d.spec.replicas = 4;
    });
    run(world, "web-app", 5);
    expect(revisions(world)).toEqual([{ revision: "1", history: undefined, image: "nginx:1.27", replicas: 4 }]);
    const progressing = deploymentOf(world, "web-app").status?.conditions?.find((c) => c.type === "Progressing");
    expect(progressing).toMatchObject({
      status: "Unknown",
      reason: "DeploymentPaused",
      message: "Deployment is paused",
    });
    // `kubectl rollout status` keeps waiting: the new template has no replicas.
    expect(rolloutStatusMessage(deploymentOf(world, "web-app")).done).toBe(false);

    updateDeployment(world, "web-app", (d) => {
      if (d.spec) d.spec.paused = false;
    });
    step(world, "web-app");
    const resumed = deploymentOf(world, "web-app").status?.conditions?.find((c) => c.type === "Progressing");
    expect(resumed).toMatchObject({ status: "True", reason: "NewReplicaSetCreated" });
    finish(world);
    expect(revisions(world).map((r) => [r.revision, r.image, r.replicas])).toEqual([
      ["1", "nginx:1.27", 0],
      ["2", "nginx:1.28", 4],
    ]);
  });
});

describe("revisionHistoryLimit", () => {
  it("keeps that many old ReplicaSets once a rollout completes, deleting the oldest revisions", () => {
    const world = new World();
    bringUp(world, deploymentFixture({ replicas: 1, revisionHistoryLimit: 2 }));
    for (const image of ["nginx:2", "nginx:3", "nginx:4", "nginx:5"]) {
      world.advance(60_000);
      setImage(world, "web-app", image);
      finish(world);
    }
    expect(revisions(world).map((r) => [r.revision, r.image, r.replicas])).toEqual([
      ["3", "nginx:3", 0],
      ["4", "nginx:4", 0],
      ["5", "nginx:5", 1],
    ]);
  });
});

describe("progress deadline", () => {
  it("reports ProgressDeadlineExceeded when no progress is made for progressDeadlineSeconds", () => {
    const world = new World();
    bringUp(world, deploymentFixture({ replicas: 2, progressDeadlineSeconds: 30 }));
    setImage(world, "web-app", "nginx:broken");
    // The new pod never becomes ready.
    const requeues = step(world, "web-app");
    expect(requeues).toContain(31_000);
    world.settle("web-app");
    world.advance(30_000);
    step(world, "web-app");
    expect(rolloutStatusMessage(deploymentOf(world, "web-app")).done).toBe(false);
    world.advance(1000);
    step(world, "web-app");
    const d = deploymentOf(world, "web-app");
    const newRS = world
      .list(REPLICASETS)
      .find((rs) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"] === "2");
    expect(d.status?.conditions?.find((c) => c.type === "Progressing")).toEqual({
      type: "Progressing",
      status: "False",
      lastUpdateTime: "2025-01-01T12:00:33Z",
      lastTransitionTime: "2025-01-01T12:00:33Z",
      reason: "ProgressDeadlineExceeded",
      message: `ReplicaSet "${newRS?.metadata.name}" has timed out progressing.`,
    });
    expect(rolloutStatusMessage(d)).toEqual({
      done: "error",
      message: 'deployment "web-app" exceeded its progress deadline',
    });
  });
});

describe("minReadySeconds", () => {
  it("counts pods as available only after minReadySeconds, through the ReplicaSet status", () => {
    const world = new World();
    world.add(DEPLOYMENTS, deploymentFixture({ replicas: 2, minReadySeconds: 10 }));
    step(world, "web-app");
    readyPods(world);
    const requeues = settleReplicaSets(world);
    expect(requeues).toContain(10_001);
    step(world, "web-app");
    expect(deploymentOf(world, "web-app").status).toMatchObject({ readyReplicas: 2, unavailableReplicas: 2 });
    world.advance(10_001);
    settleReplicaSets(world);
    step(world, "web-app");
    expect(deploymentOf(world, "web-app").status).toMatchObject({ readyReplicas: 2, availableReplicas: 2 });
    expect(world.list(REPLICASETS)[0]?.spec).toMatchObject({ minReadySeconds: 10 });
  });
});
