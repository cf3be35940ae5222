// What the pod lifecycle tells the outside world: events (kubectl describe's "Events:" section) and
// status updates, both as plain outputs the node session sends to the control plane. Reasons and
// message wording follow kubelet's, since people and tools search for them.

import type { Pod } from "../../schemas/core/pod.ts";
import type { PodStatus } from "../../schemas/core/pod-status.ts";
import type { Clock } from "./clock.ts";

export type EventType = "Normal" | "Warning";

export interface PodRef {
  uid: string;
  namespace: string;
  name: string;
}

export interface AgentEvent {
  type: EventType;
  reason: string;
  message: string;
  involvedObject: {
    kind: "Pod";
    apiVersion: "v1";
    namespace: string;
    name: string;
    uid: string;
    resourceVersion?: string;
    /** `spec.containers{web}` / `spec.initContainers{init}` for container events. */
    fieldPath?: string;
  };
  /** ms since the epoch, on the agent's clock. */
  timestamp: number;
}

export interface PodStatusUpdate {
  pod: PodRef;
  status: PodStatus;
}

export function podRef(pod: Pod): PodRef {
  return {
    uid: pod.metadata.uid ?? "",
    namespace: pod.metadata.namespace ?? "default",
    name: pod.metadata.name ?? "",
  };
}

export function containerFieldPath(kind: "init" | "regular", name: string): string {
  return kind === "init" ? `spec.initContainers{${name}}` : `spec.containers{${name}}`;
}

export class Recorder {
  private readonly clock: Clock;
  private readonly sink: (event: AgentEvent) => void;

  constructor(clock: Clock, sink: (event: AgentEvent) => void) {
    this.clock = clock;
    this.sink = sink;
  }

  event(pod: Pod, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const ref = podRef(pod);
    const involvedObject: AgentEvent["involvedObject"] = { kind: "Pod", apiVersion: "v1", ...ref };
    if (pod.metadata.resourceVersion) involvedObject.resourceVersion = pod.metadata.resourceVersion;
    if (fieldPath) involvedObject.fieldPath = fieldPath;
    this.sink({ type, reason, message, involvedObject, timestamp: this.clock.now() });
  }
}
