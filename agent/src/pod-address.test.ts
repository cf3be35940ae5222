// Where port-forward dials: the ready sandbox of the pod's latest attempt (its IP, or the node's
// loopback for a host-network sandbox, which the runtime reports without one); a pod this node
// does not run is refused with the status kubectl is told.

import { describe, expect, it } from "vitest";
import type { SandboxStatus } from "../runtime/types.ts";
import { podTarget, type SandboxLister } from "./pod-address.ts";

function sandbox(uid: string, attempt: number, state: "ready" | "notready", ip?: string): SandboxStatus {
  return {
    id: `${uid}-${attempt}`,
    uid,
    namespace: "default",
    name: uid,
    attempt,
    state,
    createdAt: 0,
    labels: {},
    ...(ip ? { ip } : {}),
  };
}

const runtime: SandboxLister = {
  listPodSandboxes: async () => [
    sandbox("web", 0, "notready", "10.42.0.5"),
    sandbox("web", 1, "ready", "10.42.0.9"),
    sandbox("host", 0, "ready"),
    sandbox("component", 0, "ready", "10.42.0.7"),
  ],
  sandboxNetns: async (id) => `/proc/netns-of-${id}`,
};

const address = async (uid: string) => (await podTarget(runtime, uid, uid)).address;

describe("podTarget", () => {
  it("is the ready sandbox's IP, or the node's loopback for a host-network pod", async () => {
    expect(await address("web")).toBe("10.42.0.9");
    expect(await address("host")).toBe("127.0.0.1");
    // A WebAssembly pod's sandbox has its own pod IP (or the node's): it is dialled the same way.
    expect(await address("component")).toBe("10.42.0.7");
  });

  it("names the latest ready sandbox's network namespace, none for a host-network pod", async () => {
    expect(await (await podTarget(runtime, "web", "web")).netns()).toBe("/proc/netns-of-web-1");
    expect(await (await podTarget(runtime, "host", "host")).netns()).toBeUndefined();
  });

  it("refuses a pod the node does not run", async () => {
    await expect(podTarget(runtime, "gone", "gone")).rejects.toMatchObject({
      code: 404,
      message: "pod gone is not running on this node",
    });
  });
});
