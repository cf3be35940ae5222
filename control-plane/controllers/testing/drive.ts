// Driving a World through a rollout one step at a time: one Deployment sync, then the ReplicaSet
// controller until it has nothing left to do (as a responsive one would, on pod events), then the
// node marks some pods ready. Invariant checks run after every step.

import type { KubeObject } from "../../../schemas/object.ts";
import type { DeploymentObject } from "../deployment/util.ts";
import { isPodActive, isPodReady } from "../pod-utils.ts";
import { DEPLOYMENTS, REPLICASETS } from "../types.ts";
import type { World } from "./world.ts";

export function settleReplicaSets(world: World, maxRounds = 20): number[] {
  let requeues: number[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const before = JSON.stringify([world.list(REPLICASETS), world.pods()]);
    requeues = [];
    for (const rs of world.list(REPLICASETS)) requeues.push(...world.syncReplicaSet(rs.metadata.name ?? "").requeues);
    if (JSON.stringify([world.list(REPLICASETS), world.pods()]) === before) return requeues;
  }
  throw new Error("ReplicaSets did not settle");
}

/** One Deployment sync followed by the ReplicaSet controller settling. */
export function step(world: World, deployment: string): number[] {
  const requeues = world.syncDeployment(deployment).requeues;
  return [...requeues, ...settleReplicaSets(world)];
}

/** Marks up to `count` active pods that are not ready as Running and Ready (oldest names first). */
export function readyPods(world: World, count = Number.POSITIVE_INFINITY): number {
  let n = 0;
  for (const pod of world.pods()) {
    if (n >= count) break;
    if (!isPodActive(pod) || isPodReady(pod)) continue;
    world.markReady(pod.metadata.name ?? "");
    n++;
  }
  return n;
}

export interface PodCounts {
  active: number;
  ready: number;
}

export function podCounts(world: World): PodCounts {
  const active = world.pods().filter(isPodActive);
  return { active: active.length, ready: active.filter(isPodReady).length };
}

export function deploymentOf(world: World, name: string): DeploymentObject {
  const d = world.get(DEPLOYMENTS, name);
  if (!d) throw new Error(`no deployment ${name}`);
  return d as DeploymentObject;
}

/** Complete as kubectl sees it, and no old pods left. */
export function rolledOut(world: World, name: string): boolean {
  const d = deploymentOf(world, name);
  const replicas = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === replicas &&
    (s.replicas ?? 0) === replicas &&
    (s.availableReplicas ?? 0) === replicas &&
    world.pods().filter(isPodActive).length === replicas
  );
}

/** Creates a Deployment and brings it to a steady, fully ready state. */
export function bringUp(world: World, deployment: KubeObject): void {
  world.add(DEPLOYMENTS, deployment);
  const name = deployment.metadata.name ?? "";
  for (let i = 0; i < 50 && !rolledOut(world, name); i++) {
    step(world, name);
    world.advance(1000);
    readyPods(world);
    settleReplicaSets(world);
  }
  world.settle(name);
  if (!rolledOut(world, name)) throw new Error(`${name} did not come up`);
}

/** A client's update of a Deployment (kubectl edit/set image/scale): spec changes bump the generation. */
export function updateDeployment(world: World, name: string, change: (d: DeploymentObject) => void): void {
  const d = deploymentOf(world, name);
  change(d);
  world.replace(DEPLOYMENTS, d);
}

/** `kubectl set image`: a new image for the first container. */
export function setImage(world: World, name: string, image: string): void {
  updateDeployment(world, name, (d) => {
    const container = d.spec?.template?.spec?.containers?.[0];
    if (container) container.image = image;
  });
}
