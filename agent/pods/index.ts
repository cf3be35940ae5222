// What the node session uses of the pod lifecycle.

export type { Clock } from "./clock.ts";
export { systemClock } from "./clock.ts";
export type { Logger, Timing } from "./context.ts";
export { DEFAULT_TIMING } from "./context.ts";
export type { NodeAllocatable } from "./downward.ts";
export type { AgentEvent, PodRef, PodStatusUpdate } from "./events.ts";
export { PodManager, type PodManagerOptions } from "./manager.ts";
export { podReferences } from "./references.ts";
export type { Mounter } from "./volumes/mounter.ts";
