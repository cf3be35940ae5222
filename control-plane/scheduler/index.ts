// kflare's scheduler: kube-scheduler's default profile as pure filter and score plugins over a
// snapshot of the cluster, and a plan that turns pending pods into bind actions and events.

import type { KubeObject } from "../../schemas/object.ts";
import { type ScheduleOptions, type ScheduleResult, scheduleCycle } from "./framework.ts";
import type { Snapshot } from "./snapshot.ts";

export {
  FILTER_PLUGINS,
  numFeasibleNodesToFind,
  SCORE_PLUGINS,
  type ScheduleOptions,
  type ScheduleResult,
} from "./framework.ts";
export { isSchedulable, planScheduling, queueOrder, SCHEDULER_NAME, type SchedulingInput } from "./plan.ts";
export { buildSnapshot, Snapshot, type SnapshotInput } from "./snapshot.ts";
export type { FilterPlugin, NodeInfo, PodInfo, ScorePlugin, Status } from "./types.ts";

/** Where the pod would go, without assuming it there (the snapshot is left as it was, but for the
 * rotating start of the node search). */
export function schedulePod(pod: KubeObject, snapshot: Snapshot, options: ScheduleOptions = {}): ScheduleResult {
  return scheduleCycle(snapshot.podInfo(pod), snapshot, options).result;
}
