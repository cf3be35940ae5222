// The runtime's view of one pod: its sandboxes and containers, found by the pod UID label every
// sandbox and container carries. This, not the agent's memory, is the truth a sync acts on, which
// is what lets a restarted agent pick up where the last one left off.

import {
  LABEL_CONTAINER_NAME,
  LABEL_POD_UID,
  type ContainerStatus as RuntimeContainer,
  type SandboxStatus,
} from "../runtime/types.ts";

export type { RuntimeContainer };

export interface ObservedPod {
  /** Newest first. */
  sandboxes: SandboxStatus[];
  /** Every container of the pod, in any sandbox, newest first. */
  containers: RuntimeContainer[];
}

export function containerName(c: RuntimeContainer): string {
  return c.labels[LABEL_CONTAINER_NAME] ?? c.name;
}

function newestFirst<T extends { attempt: number; createdAt: number }>(a: T, b: T): number {
  // Attempts only grow for one name (and one pod's sandboxes); the creation time breaks ties.
  return b.attempt - a.attempt || b.createdAt - a.createdAt;
}

/** Groups what the runtime lists by pod UID; things without the label are not the agent's. */
export function groupByPod(sandboxes: SandboxStatus[], containers: RuntimeContainer[]): Map<string, ObservedPod> {
  const pods = new Map<string, ObservedPod>();
  const get = (uid: string): ObservedPod => {
    let p = pods.get(uid);
    if (!p) {
      p = { sandboxes: [], containers: [] };
      pods.set(uid, p);
    }
    return p;
  };
  for (const s of sandboxes) {
    const uid = s.labels[LABEL_POD_UID] ?? s.uid;
    if (uid) get(uid).sandboxes.push(s);
  }
  for (const c of containers) {
    const uid = c.labels[LABEL_POD_UID];
    if (uid) get(uid).containers.push(c);
  }
  for (const p of pods.values()) {
    p.sandboxes.sort(newestFirst);
    p.containers.sort(newestFirst);
  }
  return pods;
}

/** The newest container named `name`, optionally only in one sandbox. */
export function latest(pod: ObservedPod, name: string, sandboxId?: string): RuntimeContainer | undefined {
  return pod.containers.find((c) => containerName(c) === name && (!sandboxId || c.sandboxId === sandboxId));
}

/** The container before the newest one of that name (its lastState). */
export function previous(pod: ObservedPod, name: string): RuntimeContainer | undefined {
  return pod.containers.filter((c) => containerName(c) === name)[1];
}

/** A short fingerprint of what the runtime shows for a pod: a change wakes its worker. */
export function fingerprint(pod: ObservedPod | undefined): string {
  if (!pod) return "";
  const s = pod.sandboxes.map((x) => `${x.id}:${x.state}:${x.ip ?? ""}`);
  const c = pod.containers.map((x) => `${x.id}:${x.state}:${x.exitCode ?? ""}`);
  return `${s.join(",")}|${c.join(",")}`;
}
