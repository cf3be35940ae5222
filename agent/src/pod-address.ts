// Where kubectl port-forward's connections go on this node: the address of one of the node's own
// pods (found by UID among the runtime's ready sandboxes, the latest attempt first). A pod on the
// node's network (hostNetwork: the runtime reports no address for it) is reached on 127.0.0.1.
// WebAssembly pods are refused as the control plane refuses them.

import { type ContainerRuntime, LABEL_POD_UID } from "../runtime/types.ts";
import { StreamRefused } from "./container-streams.ts";

/** What the lookup needs from the runtime. */
export type SandboxLister = Pick<ContainerRuntime, "name" | "listPodSandboxes" | "listContainers">;

export async function podAddress(runtime: SandboxLister, pod: string, uid: string): Promise<string> {
  const sandboxes = (await runtime.listPodSandboxes())
    .filter((s) => s.uid === uid && s.state === "ready")
    .sort((a, b) => b.attempt - a.attempt);
  const sandbox = sandboxes[0];
  if (sandbox === undefined) throw new StreamRefused(404, "NotFound", `pod ${pod} is not running on this node`);
  const containers = (await runtime.listContainers()).filter((c) => c.labels[LABEL_POD_UID] === uid);
  if (containers.some((c) => (c.runtime ?? runtime.name) === "wasm"))
    throw new StreamRefused(
      400,
      "BadRequest",
      `port-forward is not supported for WebAssembly pods: pod ${pod} runs its containers as WebAssembly components`,
    );
  return sandbox.ip ?? "127.0.0.1";
}
