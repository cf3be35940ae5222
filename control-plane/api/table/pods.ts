// Pods: the READY / STATUS / RESTARTS summary users read most. The status reason follows
// upstream's precedence: pod reason, scheduling gates, the first unfinished init container, then
// the last container with a waiting/terminated reason, then deletion (Terminating / Unknown).

import type { KubeObject } from "../../../schemas/object.ts";
import { age, humanDuration, parseTime } from "./duration.ts";
import { AGE_COLUMN, column, NAME_COLUMN } from "./format.ts";
import { int, opt, rec, recs, str } from "./read.ts";
import type { PrintedRow, Printer, TableRowCondition } from "./types.ts";

type Rec = Readonly<Record<string, unknown>>;

/** Row conditions upstream attaches to finished pods (fresh objects each time: rows are the caller's to keep). */
function completed(phase: string): TableRowCondition[] | undefined {
  if (phase === "Succeeded") {
    return [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }];
  }
  if (phase === "Failed") return [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];
  return undefined;
}

/** A sidecar: an init container that keeps running (restartPolicy Always) and counts as a container. */
function isRestartable(container: Rec | undefined): boolean {
  return container !== undefined && container.restartPolicy === "Always";
}

function hasCondition(status: Rec, type: string): boolean {
  return recs(status.conditions).some((c) => c.type === type && c.status === "True");
}

/** FinishedAt of the container's previous run, if it has one: the moment of its last restart. */
function lastTermination(containerStatus: Rec): number | undefined {
  return parseTime(opt(rec(containerStatus.lastState).terminated)?.finishedAt);
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/** `Signal:9` / `ExitCode:1` for a container that ended without a reason. */
function exitText(terminated: Rec): string {
  const signal = int(terminated.signal);
  return signal !== 0 ? `Signal:${signal}` : `ExitCode:${int(terminated.exitCode)}`;
}

export interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  /** ms since the epoch of the most recent restart counted in `restarts`, if known. */
  lastRestart: number | undefined;
}

export function summarizePod(pod: KubeObject): PodSummary {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  if (recs(status.conditions).some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) {
    reason = "SchedulingGated";
  }

  const initSpecs = recs(spec.initContainers);
  const initByName = new Map(initSpecs.map((c) => [str(c.name), c]));
  const total = recs(spec.containers).length + initSpecs.filter(isRestartable).length;
  let ready = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  let sidecarRestarts = 0;
  let lastSidecarRestart: number | undefined;

  let initializing = false;
  const initStatuses = recs(status.initContainerStatuses);
  for (const [i, cs] of initStatuses.entries()) {
    const state = rec(cs.state);
    const restartable = isRestartable(initByName.get(str(cs.name)));
    restarts += int(cs.restartCount);
    lastRestart = later(lastRestart, lastTermination(cs));
    if (restartable) {
      sidecarRestarts += int(cs.restartCount);
      lastSidecarRestart = later(lastSidecarRestart, lastTermination(cs));
    }
    const terminated = opt(state.terminated);
    const waitingReason = str(opt(state.waiting)?.reason);
    if (terminated !== undefined && int(terminated.exitCode) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    initializing = true;
    if (terminated !== undefined) {
      const why = str(terminated.reason);
      reason = `Init:${why || exitText(terminated)}`;
    } else if (waitingReason !== "" && waitingReason !== "PodInitializing") {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    break;
  }

  if (!initializing || hasCondition(status, "Initialized")) {
    // Once initialized, only sidecar restarts stay in the count: finished init containers are history.
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = recs(status.containerStatuses);
    // Backwards, so the first container with a problem has the last word, as upstream does.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] as Rec;
      const state = rec(cs.state);
      restarts += int(cs.restartCount);
      lastRestart = later(lastRestart, lastTermination(cs));
      const waitingReason = str(opt(state.waiting)?.reason);
      const terminated = opt(state.terminated);
      if (waitingReason !== "") {
        reason = waitingReason;
      } else if (terminated !== undefined) {
        reason = str(terminated.reason) || exitText(terminated);
      } else if (cs.ready === true && opt(state.running) !== undefined) {
        hasRunning = true;
        ready++;
      }
    }
    // A finished container next to one still serving means the pod as a whole is still up.
    if (reason === "Completed" && hasRunning) reason = hasCondition(status, "Ready") ? "Running" : "NotReady";
  }

  if (pod.metadata.deletionTimestamp && status.reason === "NodeLost") {
    reason = "Unknown";
  } else if (pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") {
    reason = "Terminating";
  }
  return { ready, total, reason, restarts, lastRestart };
}

/** `3`, or `3 (2m ago)` when the time of the last restart is known. */
export function formatRestarts(restarts: number, lastRestart: number | undefined, now: number): string {
  if (restarts === 0 || lastRestart === undefined) return String(restarts);
  return `${restarts} (${humanDuration(now - lastRestart)} ago)`;
}

function readinessGates(spec: Rec, status: Rec): string {
  const gates = recs(spec.readinessGates);
  if (gates.length === 0) return "<none>";
  const conditions = recs(status.conditions);
  const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === "True").length;
  return `${passed}/${gates.length}`;
}

function printPod(pod: KubeObject, now: number): PrintedRow {
  const spec = rec(pod.spec);
  const status = rec(pod.status);
  const s = summarizePod(pod);
  // podIPs is authoritative (the internal type has only that list); podIP covers objects written without it.
  const podIP = str(recs(status.podIPs)[0]?.ip) || str(status.podIP) || "<none>";
  const row: PrintedRow = {
    cells: [
      str(pod.metadata.name),
      `${s.ready}/${s.total}`,
      s.reason,
      formatRestarts(s.restarts, s.lastRestart, now),
      age(pod.metadata.creationTimestamp, now),
      podIP,
      str(spec.nodeName) || "<none>",
      str(status.nominatedNodeName) || "<none>",
      readinessGates(spec, status),
    ],
  };
  const conditions = completed(str(status.phase));
  if (conditions) row.conditions = conditions;
  return row;
}

export const podPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column(
      "Restarts",
      "string",
      "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE_COLUMN,
    column("IP", "string", "The pod's primary IP address (status.podIPs[0]).", true),
    column("Node", "string", "The node the pod is bound to (spec.nodeName).", true),
    column(
      "Nominated Node",
      "string",
      "The node the scheduler nominated by preemption (status.nominatedNodeName).",
      true,
    ),
    column("Readiness Gates", "string", "Readiness gates whose condition is True, out of all declared.", true),
  ],
  print: printPod,
};
