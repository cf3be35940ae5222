// Pod builders shared by the pod printer tests.

import type { KubeObject } from "../../../schemas/object.ts";
import { ago, MINUTE as MIN } from "./testing.ts";

export function pod(
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  meta: Record<string, unknown> = {},
) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1", namespace: "default", creationTimestamp: ago(5 * MIN), ...meta },
    spec,
    status,
  } as KubeObject;
}

export const one = { containers: [{ name: "app", image: "nginx" }] };
export const two = {
  containers: [
    { name: "a", image: "a" },
    { name: "b", image: "b" },
  ],
};
export const running = { running: { startedAt: ago(MIN) } };
export const ready = (name = "app", extra: Record<string, unknown> = {}) => ({
  name,
  ready: true,
  restartCount: 0,
  state: running,
  ...extra,
});
export const waiting = (reason: string, name = "app") => ({
  name,
  ready: false,
  restartCount: 0,
  state: { waiting: { reason } },
});
export const terminated = (t: Record<string, unknown>, name = "app") => ({
  name,
  ready: false,
  restartCount: 0,
  state: { terminated: t },
});
export const initSpec = (n: number) => ({
  ...one,
  initContainers: Array.from({ length: n }, (_, i) => ({ name: `init-${i}`, image: "busybox" })),
});
