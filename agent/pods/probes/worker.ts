// One probe of one container, run every periodSeconds once initialDelaySeconds have passed since
// the container started. A result changes only after successThreshold successes or
// failureThreshold failures in a row, as upstream counts; a probe that errors (rather than fails)
// is thrown away. Liveness and startup workers stop at their first failing result: the container
// is about to be killed, and its replacement gets new workers.

import type { Probe } from "../../../schemas/core/probe.ts";
import type { ContainerRuntime } from "../../runtime/types.ts";
import type { CancelTimer, Clock } from "../clock.ts";
import { type ProbeOutcome, type ProbeTarget, runProbe } from "./prober.ts";

export type ProbeKind = "liveness" | "readiness" | "startup";
export type ProbeResult = "success" | "failure" | "unknown";

export interface ProbeWorkerHost {
  clock: Clock;
  runtime: ContainerRuntime;
  /** Liveness and readiness wait for the startup probe, as upstream. */
  started(containerId: string): boolean;
  changed(worker: ProbeWorker): void;
  unhealthy(worker: ProbeWorker, outcome: Exclude<ProbeOutcome, { result: "success" }>): void;
  track(work: Promise<unknown>): void;
}

/** Readiness starts "not ready", liveness "alive", startup "not yet started". */
export function initialResult(kind: ProbeKind): ProbeResult {
  return kind === "readiness" ? "failure" : kind === "liveness" ? "success" : "unknown";
}

export class ProbeWorker {
  result: ProbeResult;
  private lastOutcome: ProbeResult = "unknown";
  private run = 0;
  private stopped = false;
  private cancel: CancelTimer | undefined;
  private readonly host: ProbeWorkerHost;
  readonly uid: string;
  readonly kind: ProbeKind;
  readonly probe: Probe;
  readonly target: ProbeTarget;
  readonly fieldPath: string;

  constructor(
    host: ProbeWorkerHost,
    spec: { uid: string; kind: ProbeKind; probe: Probe; target: ProbeTarget; fieldPath: string },
    initial: ProbeResult,
  ) {
    this.host = host;
    this.uid = spec.uid;
    this.kind = spec.kind;
    this.probe = spec.probe;
    this.target = spec.target;
    this.fieldPath = spec.fieldPath;
    this.result = initial;
  }

  start(startedAt: number): void {
    const firstAt = startedAt + (this.probe.initialDelaySeconds ?? 0) * 1000;
    this.schedule(Math.max(0, firstAt - this.host.clock.now()));
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancel = this.host.clock.setTimer(ms, () => this.host.track(this.tick()));
  }

  private periodMs(): number {
    return (this.probe.periodSeconds || 10) * 1000;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const skip =
      (this.kind !== "startup" && !this.host.started(this.target.containerId)) ||
      (this.kind === "startup" && this.result === "success");
    if (skip) {
      this.schedule(this.periodMs());
      return;
    }
    const outcome = await runProbe(this.probe, this.target, this.host.runtime, this.host.clock);
    if (this.stopped) return;
    if (outcome.result !== "success") this.host.unhealthy(this, outcome);
    if (outcome.result !== "error") this.record(outcome.result);
    const onHold = (this.kind === "liveness" || this.kind === "startup") && this.result === "failure";
    if (!onHold) this.schedule(this.periodMs());
  }

  private record(outcome: "success" | "failure"): void {
    this.run = outcome === this.lastOutcome ? this.run + 1 : 1;
    this.lastOutcome = outcome;
    const threshold = outcome === "success" ? this.probe.successThreshold || 1 : this.probe.failureThreshold || 3;
    if (this.run < threshold || this.result === outcome) return;
    this.result = outcome;
    this.host.changed(this);
  }
}
