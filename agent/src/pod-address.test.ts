// Where port-forward dials: the ready sandbox of the pod's latest attempt (its IP, or the node's
// loopback for a host-network sandbox, which the runtime reports without one); pods this node
// does not run and WebAssembly pods are refused with the status kubectl is told.

import { describe, expect, it } from "vitest";
import type { ContainerStatus, SandboxStatus } from "../runtime/types.ts";
import { StreamRefused } from "./container-streams.ts";
import { podAddress, type SandboxLister } from "./pod-address.ts";

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

function container(uid: string, runtime?: string): ContainerStatus {
  return {
    id: `${uid}-c`,
    sandboxId: `${uid}-0`,
    name: "main",
    attempt: 0,
    state: "running",
    createdAt: 0,
    image: "x",
    imageRef: "x",
    logPath: "/dev/null",
    labels: { "io.kubernetes.pod.uid": uid },
    ...(runtime ? { runtime } : {}),
  };
}

const runtime: SandboxLister = {
  name: "containerd+wasm",
  listPodSandboxes: async () => [
    sandbox("web", 0, "notready", "10.42.0.5"),
    sandbox("web", 1, "ready", "10.42.0.9"),
    sandbox("host", 0, "ready"),
    sandbox("component", 0, "ready", "10.42.0.7"),
  ],
  listContainers: async () => [container("web", "containerd"), container("component", "wasm")],
};

describe("podAddress", () => {
  it("is the ready sandbox's IP, or the node's loopback for a host-network pod", async () => {
    expect(await podAddress(runtime, "web", "web")).toBe("10.42.0.9");
    expect(await podAddress(runtime, "host", "host")).toBe("127.0.0.1");
  });

  it("refuses pods the node does not run and WebAssembly pods", async () => {
    await expect(podAddress(runtime, "gone", "gone")).rejects.toMatchObject({
      code: 404,
      message: "pod gone is not running on this node",
    });
    const wasm = await podAddress(runtime, "component", "component").catch((e: unknown) => e);
    expect(wasm).toBeInstanceOf(StreamRefused);
    expect((wasm as StreamRefused).message).toContain("port-forward is not supported for WebAssembly pods");
  });
});
