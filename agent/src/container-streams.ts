// Where an exec or attach session goes on this node: the running container of one of the node's
// own pods (found by pod UID and container name among the runtime's containers, so a request for a
// pod this node does not run finds nothing), and the runtime's streaming URL for it.

import { type ContainerRuntime, LABEL_POD_UID, RuntimeError, type StreamingRequest } from "../runtime/types.ts";

/** A session the node refuses, with the HTTP status kubectl gets (as upstream words it). */
export class StreamRefused extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = "StreamRefused";
    this.code = code;
    this.reason = reason;
  }
}

export interface ContainerStreamRequest extends StreamingRequest {
  pod: string;
  uid: string;
  container: string;
}

/** The streaming URL for `request`; throws StreamRefused when the node cannot serve it. */
export async function containerStreamUrl(runtime: ContainerRuntime, request: ContainerStreamRequest): Promise<string> {
  const candidates = (await runtime.listContainers())
    .filter((c) => c.labels[LABEL_POD_UID] === request.uid && c.name === request.container)
    .sort((a, b) => b.attempt - a.attempt);
  const latest = candidates[0];
  if (latest === undefined)
    throw new StreamRefused(404, "NotFound", `container not found ("${request.container}") in pod ${request.pod}`);
  if ((latest.runtime ?? runtime.name) === "wasm")
    throw new StreamRefused(
      400,
      "BadRequest",
      `${request.kind} is not supported for WebAssembly pods: pod ${request.pod} runs its containers as WebAssembly components`,
    );
  if (latest.state !== "running")
    throw new StreamRefused(
      400,
      "BadRequest",
      `container ${request.container} in pod ${request.pod} is not running (it is ${latest.state})`,
    );
  if (runtime.streamingUrl === undefined)
    throw new StreamRefused(400, "BadRequest", `the ${runtime.name} runtime does not serve ${request.kind}`);
  try {
    return await runtime.streamingUrl(latest.id, request);
  } catch (error) {
    if (error instanceof RuntimeError && error.reason === "NotSupported")
      throw new StreamRefused(400, "BadRequest", error.message);
    throw error;
  }
}
