// The probe workers of the node's running containers, keyed by container ID: the pod sync tells
// it which containers run, and asks it whether each is started, ready, or failed its liveness or
// startup probe. A result change wakes the pod's worker so status (Ready) and restarts follow.

import type { Container } from "../../../schemas/core/container.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import type { ContainerRuntime } from "../../runtime/types.ts";
import type { Clock } from "../clock.ts";
import type { Recorder } from "../events.ts";
import type { ProbeOutcome } from "./prober.ts";
import { initialResult, type ProbeKind, type ProbeResult, ProbeWorker, type ProbeWorkerHost } from "./worker.ts";

export interface RunningContainer {
  container: Container;
  containerId: string;
  startedAt: number;
  fieldPath: string;
}

/** What the API last said about an adopted container, so an agent restart does not flip it unready. */
export interface ProbeSeed {
  ready?: boolean;
  started?: boolean;
}

const KIND_WORDS: Record<ProbeKind, string> = { liveness: "Liveness", readiness: "Readiness", startup: "Startup" };

export class ProbeManager {
  private readonly workers = new Map<string, ProbeWorker>();
  private readonly pods = new Map<string, Pod>();
  private readonly host: ProbeWorkerHost;
  private readonly recorder: Recorder;
  private readonly onChange: (uid: string) => void;

  constructor(
    clock: Clock,
    runtime: ContainerRuntime,
    recorder: Recorder,
    onChange: (uid: string) => void,
    track: (work: Promise<unknown>) => void,
  ) {
    this.recorder = recorder;
    this.onChange = onChange;
    this.host = {
      clock,
      runtime,
      track,
      started: (id) => this.isStarted(id),
      changed: (w) => this.onChange(w.uid),
      unhealthy: (w, outcome) => this.unhealthy(w, outcome),
    };
  }

  private unhealthy(worker: ProbeWorker, outcome: Exclude<ProbeOutcome, { result: "success" }>): void {
    const pod = this.pods.get(worker.uid);
    if (!pod) return;
    const word = KIND_WORDS[worker.kind];
    const message =
      outcome.result === "error"
        ? `${word} probe errored: ${outcome.error}`
        : `${word} probe failed: ${outcome.output}`;
    this.recorder.event(pod, "Warning", "Unhealthy", message, worker.fieldPath);
  }

  /** Starts workers for newly running containers of the pod and stops those of containers gone. */
  update(pod: Pod, running: RunningContainer[], podIP: string | undefined, seed: (id: string) => ProbeSeed): void {
    const uid = pod.metadata.uid ?? "";
    this.pods.set(uid, pod);
    const live = new Set<string>();
    for (const r of running) {
      const probes: [ProbeKind, Container["livenessProbe"]][] = [
        ["startup", r.container.startupProbe],
        ["readiness", r.container.readinessProbe],
        ["liveness", r.container.livenessProbe],
      ];
      for (const [kind, probe] of probes) {
        if (!probe) continue;
        const key = `${r.containerId}/${kind}`;
        live.add(key);
        if (this.workers.has(key)) continue;
        const s = seed(r.containerId);
        let initial: ProbeResult = initialResult(kind);
        if (kind === "readiness" && s.ready) initial = "success";
        if (kind === "startup" && s.started) initial = "success";
        const target = { container: r.container, containerId: r.containerId, podIP };
        const worker = new ProbeWorker(this.host, { uid, kind, probe, target, fieldPath: r.fieldPath }, initial);
        this.workers.set(key, worker);
        worker.start(r.startedAt);
      }
    }
    for (const [key, worker] of this.workers) {
      if (worker.uid === uid && !live.has(key)) {
        worker.stop();
        this.workers.delete(key);
      }
    }
  }

  private result(containerId: string, kind: ProbeKind): ProbeResult | undefined {
    return this.workers.get(`${containerId}/${kind}`)?.result;
  }

  /** No startup probe, or it succeeded. */
  isStarted(containerId: string): boolean {
    const r = this.result(containerId, "startup");
    return r === undefined || r === "success";
  }

  /** Started, and no readiness probe or it succeeded. */
  isReady(containerId: string): boolean {
    const r = this.result(containerId, "readiness");
    return this.isStarted(containerId) && (r === undefined || r === "success");
  }

  /** Which probe asks for the container to be killed, if any. */
  failed(containerId: string): "liveness" | "startup" | undefined {
    if (this.result(containerId, "startup") === "failure") return "startup";
    if (this.result(containerId, "liveness") === "failure") return "liveness";
    return undefined;
  }

  /** A pod being deleted keeps its readiness probes (endpoints follow them) but no liveness or startup ones. */
  stopLiveness(uid: string): void {
    for (const [key, worker] of this.workers) {
      if (worker.uid === uid && worker.kind !== "readiness") {
        worker.stop();
        this.workers.delete(key);
      }
    }
  }

  removePod(uid: string): void {
    for (const [key, worker] of this.workers) {
      if (worker.uid === uid) {
        worker.stop();
        this.workers.delete(key);
      }
    }
    this.pods.delete(uid);
  }

  stopAll(): void {
    for (const worker of this.workers.values()) worker.stop();
    this.workers.clear();
    this.pods.clear();
  }
}
