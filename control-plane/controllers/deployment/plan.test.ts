import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../schemas/object.ts";
import { bringUp, deploymentOf, setImage, updateDeployment } from "../testing/drive.ts";
import { deploymentFixture } from "../testing/fixtures.ts";
import { START, World } from "../testing/world.ts";
import { type Action, DEPLOYMENTS, REPLICASETS } from "../types.ts";
import { podTemplateHash } from "./hash.ts";
import { planDeployment } from "./plan.ts";
import type { DeploymentObject, ReplicaSetObject } from "./util.ts";

const ofType = <T extends Action["type"]>(actions: Action[], type: T) =>
  actions.filter((a): a is Extract<Action, { type: T }> => a.type === type);
const messages = (actions: Action[]) => ofType(actions, "event").map((a) => `${a.event.reason}: ${a.event.message}`);
const statusOf = (actions: Action[]) =>
  (ofType(actions, "updateStatus")[0]?.object as DeploymentObject | undefined)?.status;

function planFor(world: World, name = "web-app"): Action[] {
  return planDeployment({
    deployment: world.get(DEPLOYMENTS, name) as KubeObject,
    replicaSets: world.list(REPLICASETS),
    pods: world.pods(),
    now: world.now,
  });
}

const replicaSets = (world: World) => world.list(REPLICASETS) as ReplicaSetObject[];

describe("planDeployment: a new Deployment", () => {
  const world = new World();
  const d = world.add(
    DEPLOYMENTS,
    deploymentFixture({ replicas: 3, annotations: { "kubernetes.io/change-cause": "v1" } }),
  );
  const hash = podTemplateHash((d as DeploymentObject).spec?.template);
  const actions = planFor(world);

  it("creates the first ReplicaSet at full size, labelled and annotated as kubectl expects", () => {
    expect(ofType(actions, "create").map((a) => a.object)).toEqual([
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: `web-app-${hash}`,
          namespace: "default",
          labels: { app: "web-app", "pod-template-hash": hash },
          ownerReferences: [
            {
              apiVersion: "apps/v1",
              kind: "Deployment",
              name: "web-app",
              uid: d.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
          annotations: {
            "kubernetes.io/change-cause": "v1",
            "deployment.kubernetes.io/revision": "1",
            "deployment.kubernetes.io/desired-replicas": "3",
            "deployment.kubernetes.io/max-replicas": "4",
          },
        },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: "web-app", "pod-template-hash": hash } },
          template: {
            metadata: { labels: { app: "web-app", "pod-template-hash": hash } },
            spec: (d as DeploymentObject).spec?.template?.spec,
          },
        },
      },
    ]);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it("records the scale-up, the revision and the conditions", () => {
    expect(messages(actions)).toEqual([`ScalingReplicaSet: Scaled up replica set web-app-${hash} from 0 to 3`]);
    expect(ofType(actions, "event")[0]?.event).toMatchObject({ type: "Normal", source: "deployment-controller" });
    const update = ofType(actions, "updateStatus")[0]?.object;
    expect(update?.metadata.annotations).toEqual({
      "kubernetes.io/change-cause": "v1",
      "deployment.kubernetes.io/revision": "1",
    });
    const t = "2025-01-01T12:00:00Z";
    expect(statusOf(actions)).toEqual({
      observedGeneration: 1,
      unavailableReplicas: 3,
      conditions: [
        {
          type: "Progressing",
          status: "True",
          lastUpdateTime: t,
          lastTransitionTime: t,
          reason: "NewReplicaSetCreated",
          message: `Created new replica set "web-app-${hash}"`,
        },
        {
          type: "Available",
          status: "False",
          lastUpdateTime: t,
          lastTransitionTime: t,
          reason: "MinimumReplicasUnavailable",
          message: "Deployment does not have minimum availability.",
        },
      ],
    });
  });

  it("comes back when the progress deadline would pass", () => {
    expect(ofType(actions, "requeue")).toEqual([{ type: "requeue", afterMs: 601_000 }]);
  });
});

describe("planDeployment: steady state and scaling", () => {
  it("writes nothing once the rollout is done", () => {
    const world = new World();
    bringUp(world, deploymentFixture({ replicas: 3 }));
    expect(planFor(world)).toEqual([]);
    expect(deploymentOf(world, "web-app").status).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
  });

  it.each([
    [3, 5, "Scaled up replica set %s from 3 to 5", "5", "7"],
    [3, 1, "Scaled down replica set %s from 3 to 1", "1", "2"],
    [3, 0, "Scaled down replica set %s from 3 to 0", "0", "0"],
  ])("scales %i -> %i", (from, to, message, desired, max) => {
    const world = new World();
    bringUp(world, deploymentFixture({ replicas: from }));
    updateDeployment(world, "web-app", (d) => {
      if (d.spec) d.spec.replicas = to;
    });
    const actions = planFor(world);
    const [rs] = replicaSets(world);
    expect(messages(actions)).toEqual([`ScalingReplicaSet: ${message.replace("%s", rs?.metadata.name ?? "")}`]);
    const updated = ofType(actions, "update")[0]?.object as ReplicaSetObject;
    expect(updated.spec?.replicas).toBe(to);
    expect(updated.metadata.annotations).toMatchObject({
      "deployment.kubernetes.io/desired-replicas": desired,
      "deployment.kubernetes.io/max-replicas": max,
    });
    expect(updated.metadata.resourceVersion).toBe(rs?.metadata.resourceVersion);
    expect(statusOf(actions)).toMatchObject({ observedGeneration: 2 });
  });

  it("scales mid-rollout in proportion, leftovers to the largest ReplicaSet", () => {
    const world = new World();
    const strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } };
    bringUp(world, deploymentFixture({ replicas: 10, strategy }));
    setImage(world, "web-app", "nginx:broken");
    // New pods never become ready: the rollout stops at old 8 + new 5 (upstream's own example).
    for (let i = 0; i < 5; i++) world.settle("web-app");
    const sizes = () => replicaSets(world).map((rs) => rs.spec?.replicas);
    expect(sizes()).toEqual([8, 5]);
    updateDeployment(world, "web-app", (d) => {
      if (d.spec) d.spec.replicas = 15;
    });
    const actions = planFor(world);
    const [old, neu] = replicaSets(world).map((rs) => rs.metadata.name);
    expect(messages(actions)).toEqual([
      `ScalingReplicaSet: Scaled up replica set ${old} from 8 to 11`,
      `ScalingReplicaSet: Scaled up replica set ${neu} from 5 to 7`,
    ]);
  });
});

describe("planDeployment: ownership", () => {
  it("adopts a matching orphan ReplicaSet with the same template as its new ReplicaSet", () => {
    const world = new World();
    bringUp(world, deploymentFixture({ replicas: 2 }));
    const [rs] = replicaSets(world);
    const orphan = { ...rs, metadata: { ...rs?.metadata } } as ReplicaSetObject;
    delete orphan.metadata.ownerReferences;
    world.replace(REPLICASETS, orphan);
    const actions = planFor(world);
    const update = ofType(actions, "update")[0]?.object;
    expect(update?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Deployment", name: "web-app", controller: true, blockOwnerDeletion: true }),
    ]);
    expect(ofType(actions, "create")).toEqual([]);
  });

  it("releases a ReplicaSet that no longer matches its selector, and leaves others' alone", () => {
    const world = new World();
    bringUp(world, deploymentFixture({ replicas: 1 }));
    const [rs] = replicaSets(world);
    if (!rs) throw new Error("no rs");
    rs.metadata.labels = { app: "something-else" };
    world.replace(REPLICASETS, rs);
    world.add(REPLICASETS, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: "theirs",
        labels: { app: "web-app" },
        ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "x", uid: "other", controller: true }],
      },
      spec: { replicas: 1, selector: { matchLabels: { app: "web-app" } } },
    });
    const actions = planFor(world);
    const updates = ofType(actions, "update").map((a) => a.object);
    expect(updates.map((o) => [o.metadata.name, o.metadata.ownerReferences])).toEqual([[rs.metadata.name, undefined]]);
    // With its ReplicaSet gone, the Deployment makes a new one (the name is taken: a new hash).
    const created = ofType(actions, "create")[0]?.object;
    expect(created?.metadata.name).not.toBe(rs.metadata.name);
    expect(statusOf(actions)?.collisionCount).toBe(1);
  });

  it("only warns about a selector that selects everything", () => {
    const world = new World();
    const d = deploymentFixture();
    (d as DeploymentObject).spec = { ...(d as DeploymentObject).spec, selector: {} };
    world.add(DEPLOYMENTS, d);
    const actions = planFor(world);
    expect(messages(actions)).toEqual([
      "SelectingAll: This deployment is selecting all pods. A non-empty selector is required.",
    ]);
    expect(ofType(actions, "event")[0]?.event.type).toBe("Warning");
    expect(statusOf(actions)).toEqual({ observedGeneration: 1 });
  });

  it("never changes its inputs", () => {
    const world = new World();
    bringUp(world, deploymentFixture({ replicas: 2 }));
    setImage(world, "web-app", "nginx:1.28");
    const input = {
      deployment: world.get(DEPLOYMENTS, "web-app") as KubeObject,
      replicaSets: world.list(REPLICASETS),
      pods: world.pods(),
      now: START,
    };
    const before = JSON.stringify(input);
    planDeployment(input);
    expect(JSON.stringify(input)).toBe(before);
  });
});
