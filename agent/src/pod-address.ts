// Where kubectl port-forward's connections go on this node: one of the node's own pods, found by
// UID among the runtime's ready sandboxes (the latest attempt first). Its address is the sandbox's
// IP, or 127.0.0.1 for a pod on the node's network (hostNetwork: the runtime reports no address);
// WebAssembly pods alike. Its network namespace, asked for only when the address refuses, is where
// a server listening on the pod's own loopback is reached.

import type { ContainerRuntime } from "../runtime/types.ts";
import { StreamRefused } from "./container-streams.ts";

/** What the lookup needs from the runtime. */
export type SandboxLister = Pick<ContainerRuntime, "listPodSandboxes" | "sandboxNetns">;

export interface PodTarget {
  address: string;
  /** The sandbox's network namespace (undefined: the node's network, or a runtime that cannot say). */
  netns(): Promise<string | undefined>;
}

export async function podTarget(runtime: SandboxLister, pod: string, uid: string): Promise<PodTarget> {
  const sandboxes = (await runtime.listPodSandboxes())
    .filter((s) => s.uid === uid && s.state === "ready")
    .sort((a, b) => b.attempt - a.attempt);
  const sandbox = sandboxes[0];
  if (sandbox === undefined) throw new StreamRefused(404, "NotFound", `pod ${pod} is not running on this node`);
  return {
    address: sandbox.ip ?? "127.0.0.1",
    netns: async () => (sandbox.ip === undefined ? undefined : runtime.sandboxNetns?.(sandbox.id)),
  };
}
