// One worker per pod UID, as kubelet's pod workers: syncs of a pod never overlap (a request while
// one runs marks it dirty and it runs again after), each sync acts on fresh runtime state, and
// the status it computes is emitted only when it differs from the last one emitted.

import { rm } from "node:fs/promises";
import type { Pod } from "../../schemas/core/pod.ts";
import type { PodStatus } from "../../schemas/core/pod-status.ts";
import type { CancelTimer } from "./clock.ts";
import { podPaths } from "./container-config.ts";
import type { Waiting } from "./container-status.ts";
import type { NodeContext } from "./context.ts";
import { type PodRef, podRef } from "./events.ts";
import { errorText } from "./images.ts";
import { killPod, podGracePeriod } from "./kill.ts";
import { containerName, type ObservedPod } from "./observed.ts";
import { generatePodStatus } from "./pod-status.ts";
import type { ProbeSeed, RunningContainer } from "./probes/manager.ts";
import { stableJSON } from "./spec-hash.ts";
import type { PodSyncState } from "./start-container.ts";
import { syncPod } from "./sync-pod.ts";
import { terminationMessage } from "./termination-message.ts";
import { PodVolumes } from "./volumes/pod-volumes.ts";

export interface WorkerHost {
  observe(uid: string): Promise<ObservedPod>;
  emitStatus(pod: PodRef, status: PodStatus): void;
  emitTerminated(pod: PodRef): void;
  /** The worker of a removed pod finished cleaning up. */
  finished(uid: string): void;
  track(work: Promise<unknown>): void;
}

const TERMINAL = new Set(["Succeeded", "Failed"]);
/** Bounds back-to-back passes a sync may ask for, so a runtime that ignores stops cannot spin us. */
const MAX_IMMEDIATE_PASSES = 3;

export class PodWorker {
  private pod: Pod | undefined;
  private lastPod: Pod | undefined;
  /** The desired pod as given last, serialised: what tells a new version from the same one. */
  private podText = "";
  private readonly reasons = new Map<string, Waiting>();
  private volumes: PodVolumes;
  private lastStatus: PodStatus | undefined;
  private lastStatusJSON = "";
  private terminatedReported = false;
  private running = false;
  private dirty = false;
  private wakeAt: number | undefined;
  private cancelWake: CancelTimer | undefined;
  private readonly ctx: NodeContext;
  private readonly host: WorkerHost;
  readonly uid: string;

  constructor(ctx: NodeContext, host: WorkerHost, uid: string) {
    this.ctx = ctx;
    this.host = host;
    this.uid = uid;
    this.volumes = new PodVolumes(podPaths(ctx.dataDir, ctx.logRoot, { uid }).podDir, ctx.mounter);
  }

  /**
   * The desired pod, or undefined once it is no longer bound here. Answers whether that is news:
   * a pod that came or went, or one that differs from the last one given in any way.
   */
  setPod(pod: Pod | undefined): boolean {
    const text = pod ? JSON.stringify(pod) : "";
    const changed = text !== this.podText;
    this.podText = text;
    if (pod) this.lastPod = pod;
    this.pod = pod;
    return changed;
  }

  /** Whether the pod is still bound here (not yet removed from the desired set). */
  get desired(): boolean {
    return this.pod !== undefined;
  }

  get status(): PodStatus | undefined {
    return this.lastStatus;
  }

  requestSync(): void {
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = true;
    this.host.track(this.loop());
  }

  stop(): void {
    this.cancelWake?.();
    this.cancelWake = undefined;
  }

  private async loop(): Promise<void> {
    try {
      let passes = 0;
      do {
        this.dirty = false;
        const again = await this.syncOnce().catch((err: unknown) => {
          this.ctx.log("error", "pod sync failed", { pod: this.uid, error: errorText(err) });
          this.wake(this.ctx.clock.now() + this.ctx.timing.errorResyncMs);
          return false;
        });
        if (again && passes++ < MAX_IMMEDIATE_PASSES) this.dirty = true;
      } while (this.dirty);
    } finally {
      this.running = false;
    }
  }

  private wake(at: number): void {
    if (this.wakeAt !== undefined && this.wakeAt <= at && this.wakeAt > this.ctx.clock.now()) return;
    this.cancelWake?.();
    this.wakeAt = at;
    this.cancelWake = this.ctx.clock.setTimer(at - this.ctx.clock.now(), () => {
      this.wakeAt = undefined;
      this.cancelWake = undefined;
      this.requestSync();
    });
  }

  /** Messages of exited containers by id (read once: an exited attempt never changes). */
  private readonly messages = new Map<string, string>();

  /** The runtime's view of this pod, with exited containers' termination messages filled in. */
  private async observe(): Promise<ObservedPod> {
    const observed = await this.host.observe(this.uid);
    const pod = this.pod;
    if (!pod) return observed;
    const specs = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
    const containers = await Promise.all(
      observed.containers.map(async (c) => {
        if (c.state !== "exited") return c;
        let message = this.messages.get(c.id);
        if (message === undefined) {
          message = await terminationMessage(
            c,
            this.volumes.podDir,
            specs.find((x) => x.name === c.name),
          );
          this.messages.set(c.id, message);
        }
        return message !== "" ? { ...c, message } : c;
      }),
    );
    const present = new Set(observed.containers.map((c) => c.id));
    for (const id of this.messages.keys()) if (!present.has(id)) this.messages.delete(id);
    return { ...observed, containers };
  }

  private async syncOnce(): Promise<boolean> {
    const observed = await this.observe();
    const pod = this.pod;
    if (!pod) {
      await this.cleanUp(observed);
      return false;
    }
    const { logDir } = podPaths(this.ctx.dataDir, this.ctx.logRoot, pod.metadata);
    if (pod.metadata.deletionTimestamp) {
      await this.terminate(pod, observed);
      return false;
    }
    // A pod the API already records as finished is never started again (after an agent restart
    // or a reboot its containers may be gone, which must not turn it back into Pending).
    if (TERMINAL.has(pod.status?.phase ?? "")) {
      this.ctx.probes.removePod(this.uid);
      await killPod(this.ctx, pod, observed, podGracePeriod(pod));
      return false;
    }
    const st: PodSyncState = { pod, reasons: this.reasons, volumes: this.volumes, logDir, wake: (at) => this.wake(at) };
    if (!(await this.setUpVolumes(st))) {
      this.report(pod, observed, false);
      return false;
    }
    const outcome = await syncPod(this.ctx, st, observed);
    let after = await this.observe();
    const status = this.report(pod, after, false);
    if (TERMINAL.has(status.phase ?? "") && after.sandboxes.some((s) => s.state === "ready")) {
      // Nothing will run again (restartPolicy Never/OnFailure): stop what is left and the sandbox.
      this.ctx.probes.removePod(this.uid);
      await killPod(this.ctx, pod, after, podGracePeriod(pod));
      after = await this.observe();
      this.report(pod, after, false);
    }
    return outcome.again;
  }

  private async setUpVolumes(st: PodSyncState): Promise<boolean> {
    const pod = st.pod;
    const addresses = { podIPs: [] as string[], hostIPs: this.ctx.hostIPs };
    const current = this.lastStatus?.podIP ?? pod.status?.podIP;
    if (current) addresses.podIPs.push(current);
    try {
      await this.volumes.setUp({
        pod,
        config: this.ctx.config,
        addresses,
        allocatable: this.ctx.allocatable,
        ...(this.ctx.tokens ? { tokens: this.ctx.tokens } : {}),
      });
      return true;
    } catch (err) {
      this.ctx.recorder.event(pod, "Warning", "FailedMount", errorText(err));
      this.wake(this.ctx.clock.now() + this.ctx.timing.errorResyncMs);
      // Volumes set up before keep serving running containers; only a never-mounted one blocks.
      return (pod.spec?.volumes ?? []).every((v) => this.volumes.paths.has(v.name ?? ""));
    }
  }

  private seed(pod: Pod): (id: string) => ProbeSeed {
    return (id) => {
      const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
      const s = all.find((c) => c.containerID?.endsWith(`://${id}`));
      return s ? { ready: s.ready ?? false, started: s.started ?? false } : {};
    };
  }

  /** Computes the status (probe workers first, so readiness is known) and emits it if it changed. */
  private report(pod: Pod, observed: ObservedPod, terminal: boolean): PodStatus {
    const sandbox = observed.sandboxes[0];
    const running: RunningContainer[] = [];
    for (const c of observed.containers) {
      if (c.state !== "running" || (sandbox && c.sandboxId !== sandbox.id)) continue;
      const container = pod.spec?.containers?.find((x) => x.name === containerName(c));
      if (container)
        running.push({
          container,
          containerId: c.id,
          startedAt: c.startedAt ?? c.createdAt,
          fieldPath: `spec.containers{${container.name}}`,
        });
    }
    if (!terminal) this.ctx.probes.update(pod, running, sandbox?.ip, this.seed(pod));
    const status = generatePodStatus(
      {
        pod,
        observed,
        runtimeName: this.ctx.runtime.name,
        reasons: this.reasons,
        probes: this.ctx.probes,
        terminal,
        hostIPs: this.ctx.hostIPs,
        previous: this.lastStatus ?? pod.status,
        now: this.ctx.clock.now(),
      },
      sandbox?.state === "ready",
      sandbox?.ip,
    );
    const json = stableJSON(status);
    // Before this agent reported anything, the API's own copy is what is known: an adopted pod whose
    // status did not change is not sent again.
    const known = this.lastStatusJSON || (pod.status ? stableJSON(pod.status) : "");
    if (json !== known) {
      this.lastStatusJSON = json;
      this.lastStatus = status;
      this.host.emitStatus(podRef(pod), status);
    }
    return status;
  }

  private async terminate(pod: Pod, observed: ObservedPod): Promise<void> {
    this.ctx.probes.stopLiveness(this.uid);
    const live = observed.containers.some((c) => c.state === "running" || c.state === "created");
    if (live || observed.sandboxes.some((s) => s.state === "ready")) {
      await killPod(this.ctx, pod, observed, podGracePeriod(pod));
    }
    this.ctx.probes.removePod(this.uid);
    // A pod the API already records as finished keeps that status; there is nothing newer to say.
    if (!TERMINAL.has(pod.status?.phase ?? "")) this.report(pod, await this.observe(), true);
    if (!this.terminatedReported) {
      this.terminatedReported = true;
      this.host.emitTerminated(podRef(pod));
    }
  }

  /** The pod is gone from the API: stop and remove everything it had on this node. */
  private async cleanUp(observed: ObservedPod): Promise<void> {
    this.ctx.probes.removePod(this.uid);
    const grace = this.lastPod ? podGracePeriod(this.lastPod) : this.ctx.timing.orphanGracePeriodSeconds;
    await killPod(this.ctx, this.lastPod, observed, grace);
    for (const c of observed.containers) await this.ctx.runtime.removeContainer(c.id).catch(() => undefined);
    for (const s of observed.sandboxes) await this.ctx.runtime.removePodSandbox(s.id).catch(() => undefined);
    const warn = (err: unknown): void =>
      this.ctx.log("warn", "removing pod files failed", { pod: this.uid, error: errorText(err) });
    await this.volumes.tearDown().catch(warn);
    const sandbox = observed.sandboxes[0];
    const meta =
      this.lastPod?.metadata ??
      (sandbox ? { uid: this.uid, name: sandbox.name, namespace: sandbox.namespace } : undefined);
    if (meta)
      await rm(podPaths(this.ctx.dataDir, this.ctx.logRoot, meta).logDir, { recursive: true, force: true }).catch(warn);
    this.ctx.images.forgetPod(this.uid);
    this.ctx.crashBackoff.forgetPrefix(`${this.uid}/`);
    this.stop();
    this.host.finished(this.uid);
  }
}
