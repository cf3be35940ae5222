// The node's pod lifecycle: the session hands it the pods bound to this node with the ConfigMaps
// and Secrets they use (setDesired); it keeps one worker per pod UID, relists the runtime every
// second (kubelet's PLEG) to wake the workers of pods whose containers changed, and reports
// statuses, events and finished terminations through callbacks the session sends on.
//
// On start it adopts what already runs: containers are matched to pods by the UID label and
// compared by spec hash, so an agent restart leaves healthy containers alone. Sandboxes of pods
// that are no longer desired are stopped and removed, but only once the desired set is known
// (the first setDesired), never from an empty list the agent merely has not received yet.

import { join } from "node:path";
import type { ConfigMap, Secret } from "../../schemas/core/config.ts";
import type { Pod } from "../../schemas/core/pod.ts";
import type { PodStatus } from "../../schemas/core/pod-status.ts";
import type { ContainerRuntime } from "../runtime/types.ts";
import { Backoff } from "./backoff.ts";
import { type CancelTimer, type Clock, systemClock } from "./clock.ts";
import { DEFAULT_TIMING, type Logger, type NodeContext, type Timing } from "./context.ts";
import type { DnsSettings } from "./dns-config.ts";
import type { NodeAllocatable } from "./downward.ts";
import type { ConfigSource } from "./env.ts";
import { type AgentEvent, type PodRef, type PodStatusUpdate, Recorder } from "./events.ts";
import { errorText, ImageManager } from "./images.ts";
import { type LogRotationOptions, LogRotator } from "./log-rotation.ts";
import { fingerprint, groupByPod, type ObservedPod } from "./observed.ts";
import { PodWorker } from "./pod-worker.ts";
import { ProbeManager } from "./probes/manager.ts";
import type { ServiceAccountTokens } from "./service-account-tokens.ts";
import type { ServiceForEnv } from "./service-env.ts";
import { type Mounter, systemMounter } from "./volumes/mounter.ts";

export interface PodManagerOptions {
  runtime: ContainerRuntime;
  /** Where pod directories (volumes) live: <dataDir>/pods/<uid>. */
  dataDir: string;
  /** Root of the per-pod log directories (upstream: /var/log/pods); default <dataDir>/logs. */
  logDir?: string;
  clock?: Clock;
  /** The node's addresses, first one preferred: status.hostIP(s) and status.hostIP in env. */
  nodeIPs?: string[];
  /** What resourceFieldRef reports for a limit a container does not set. */
  allocatable?: NodeAllocatable;
  /** Container log rotation (default 10 MiB x 5 files, checked every 10 s, as kubelet). */
  logRotation?: Partial<LogRotationOptions> & { intervalMs?: number };
  /** Privileged containers run only when the node allows them (default: refused). */
  allowPrivileged?: boolean;
  /** Cluster DNS settings for pods' resolv.conf. */
  dns?: () => DnsSettings;
  /** The Services the node knows (containers' service variables). */
  services?: () => readonly ServiceForEnv[];
  /** Service-account tokens for projected volumes (the session's TokenRequests). */
  tokens?: ServiceAccountTokens;
  onStatus: (update: PodStatusUpdate) => void;
  onEvent?: (event: AgentEvent) => void;
  /** A deleted pod's containers have all stopped: the session may now delete it with grace 0. */
  onTerminated?: (pod: PodRef) => void;
  /** RuntimeClass name -> runtime handler; default: the name itself when the runtime serves it, else its first handler. */
  runtimeHandler?: (runtimeClassName: string | undefined) => string | undefined;
  mounter?: Mounter;
  timing?: Partial<Timing>;
  log?: Logger;
}

const EMPTY: ObservedPod = { sandboxes: [], containers: [] };

/** Replaces what `into` holds by `objects` (keyed namespace/name); answers whether anything differed. */
function replaceAll<T extends ConfigMap | Secret>(into: Map<string, T>, objects: readonly T[]): boolean {
  const version = (o: T) => JSON.stringify(o);
  let changed = into.size !== objects.length;
  const next = new Map<string, T>();
  for (const o of objects) {
    const key = `${o.metadata.namespace ?? "default"}/${o.metadata.name}`;
    const before = into.get(key);
    if (!before || version(before) !== version(o)) changed = true;
    next.set(key, o);
  }
  into.clear();
  for (const [k, o] of next) into.set(k, o);
  return changed;
}

export class PodManager {
  private readonly ctx: NodeContext;
  private readonly workers = new Map<string, PodWorker>();
  private readonly fingerprints = new Map<string, string>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly configMaps = new Map<string, ConfigMap>();
  private readonly secrets = new Map<string, Secret>();
  private desiredKnown = false;
  private started = false;
  private relistTimer: CancelTimer | undefined;
  private rotateTimer: CancelTimer | undefined;
  private readonly rotator: LogRotator;
  private readonly rotateIntervalMs: number;
  private lastResync = 0;
  private readonly options: PodManagerOptions;

  constructor(options: PodManagerOptions) {
    this.options = options;
    const clock = options.clock ?? systemClock;
    const timing: Timing = { ...DEFAULT_TIMING, ...options.timing };
    const recorder = new Recorder(clock, options.onEvent ?? (() => undefined));
    this.rotator = new LogRotator(options.runtime, options.logRotation ?? {}, () => clock.now());
    this.rotateIntervalMs = options.logRotation?.intervalMs ?? 10_000;
    const runtime = options.runtime;
    const config: ConfigSource = {
      configMap: (ns, name) => this.configMaps.get(`${ns}/${name}`),
      secret: (ns, name) => this.secrets.get(`${ns}/${name}`),
    };
    const track = (work: Promise<unknown>): void => this.track(work);
    this.ctx = {
      runtime,
      clock,
      recorder,
      images: new ImageManager(runtime, clock, new Backoff(clock, timing.imagePull), recorder),
      probes: new ProbeManager(clock, runtime, recorder, (uid) => this.workers.get(uid)?.requestSync(), track),
      // The crash-loop back-off resets by how long the container ran (see sync-pod), not by age.
      crashBackoff: new Backoff(clock, { ...timing.crashLoop, expireAfterMs: Number.POSITIVE_INFINITY }),
      config,
      timing,
      dataDir: options.dataDir,
      logRoot: options.logDir ?? join(options.dataDir, "logs"),
      hostIPs: options.nodeIPs ?? [],
      allocatable: options.allocatable ?? { cpu: "1", memory: "1Gi" },
      mounter: options.mounter ?? systemMounter,
      allowPrivileged: options.allowPrivileged ?? false,
      ...(options.dns ? { dns: options.dns } : {}),
      ...(options.tokens ? { tokens: options.tokens } : {}),
      ...(options.services ? { services: options.services } : {}),
      runtimeHandler:
        options.runtimeHandler ??
        ((name) => (name ? (runtime.handlers.includes(name) ? name : undefined) : (runtime.handlers[0] ?? ""))),
      log: options.log ?? (() => undefined),
    };
  }

  /**
   * The pods bound to this node (deleting ones included) and the ConfigMaps and Secrets they use.
   * Only the pods this changes are synced, as kubelet dispatches only the pods an update names:
   * every assignment (each pod created, each status reported) used to sync every pod of the node,
   * each sync listing the runtime, so starting one pod cost work in proportion to the pods already
   * there (bench:pods: p99 1.6 s at 50 pods on a node whose CRI starts them in 0.2 s). A change to
   * the ConfigMaps or Secrets syncs every pod (their volumes); the periodic resync catches the rest.
   */
  setDesired(pods: readonly Pod[], configMaps: readonly ConfigMap[], secrets: readonly Secret[]): void {
    const configMapsChanged = replaceAll(this.configMaps, configMaps);
    const configChanged = replaceAll(this.secrets, secrets) || configMapsChanged;
    const desired = new Map(pods.map((p) => [p.metadata.uid ?? "", p]));
    const changed: PodWorker[] = [];
    for (const [uid, pod] of desired) {
      const w = this.worker(uid);
      if (w.setPod(pod)) changed.push(w);
    }
    for (const [uid, worker] of this.workers) if (!desired.has(uid) && worker.setPod(undefined)) changed.push(worker);
    const first = !this.desiredKnown;
    // Until now relists only watched; from here on a change for an unknown UID is an orphan to
    // remove, and what was seen before counts as changed so existing orphans are found too.
    if (first) this.fingerprints.clear();
    this.desiredKnown = true;
    if (!this.started) return;
    for (const w of first || configChanged ? this.workers.values() : changed) w.requestSync();
  }

  /** Starts syncing: an immediate relist adopts what runs, then one every relistIntervalMs. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.lastResync = this.ctx.clock.now();
    for (const w of this.workers.values()) w.requestSync();
    await this.relist();
    this.scheduleRotation();
  }

  private scheduleRotation(): void {
    this.rotateTimer = this.ctx.clock.setTimer(this.rotateIntervalMs, () => {
      const work = this.rotator
        .rotate()
        .catch((err: unknown) => this.ctx.log("warn", "rotating container logs failed", { error: errorText(err) }))
        .finally(() => {
          if (this.started) this.scheduleRotation();
        });
      this.track(work);
    });
  }

  /** Stops the agent's loops; containers keep running (the next agent adopts them). */
  async stop(): Promise<void> {
    this.started = false;
    this.relistTimer?.();
    this.relistTimer = undefined;
    this.rotateTimer?.();
    this.rotateTimer = undefined;
    for (const w of this.workers.values()) w.stop();
    this.ctx.probes.stopAll();
    await this.settled();
  }

  /** Resolves once no sync, relist or probe is in flight (tests drive the clock, then wait on this). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** The status last reported for a pod. */
  status(uid: string): PodStatus | undefined {
    return this.workers.get(uid)?.status;
  }

  private track(work: Promise<unknown>): void {
    const p = work.catch((err: unknown) =>
      this.ctx.log("error", "pod lifecycle task failed", { error: errorText(err) }),
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private worker(uid: string): PodWorker {
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(this.ctx, this.host, uid);
      this.workers.set(uid, w);
    }
    return w;
  }

  private readonly host = {
    observe: async (uid: string): Promise<ObservedPod> => {
      const [sandboxes, containers] = await Promise.all([
        this.ctx.runtime.listPodSandboxes(uid),
        this.ctx.runtime.listContainers(uid),
      ]);
      return groupByPod(sandboxes, containers).get(uid) ?? EMPTY;
    },
    emitStatus: (pod: PodRef, status: PodStatus): void => this.options.onStatus({ pod, status }),
    emitTerminated: (pod: PodRef): void => this.options.onTerminated?.(pod),
    finished: (uid: string): void => {
      const w = this.workers.get(uid);
      // A pod may have come back (same UID re-sent) while it was being cleaned up.
      if (w && !this.desiredUids().has(uid)) {
        this.workers.delete(uid);
        this.options.tokens?.forget(uid);
      }
      this.fingerprints.delete(uid);
    },
    track: (work: Promise<unknown>): void => this.track(work),
  };

  private desiredUids(): Set<string> {
    const out = new Set<string>();
    for (const [uid, w] of this.workers) if (w.desired) out.add(uid);
    return out;
  }

  private relist(): Promise<void> {
    const work = this.relistOnce()
      .catch((err: unknown) => this.ctx.log("warn", "listing the runtime failed", { error: errorText(err) }))
      .finally(() => {
        if (this.started)
          this.relistTimer = this.ctx.clock.setTimer(this.ctx.timing.relistIntervalMs, () => void this.relist());
      });
    this.track(work);
    return work;
  }

  private async relistOnce(): Promise<void> {
    const [sandboxes, containers] = await Promise.all([
      this.ctx.runtime.listPodSandboxes(),
      this.ctx.runtime.listContainers(),
    ]);
    const pods = groupByPod(sandboxes, containers);
    const now = this.ctx.clock.now();
    const resync = now - this.lastResync >= this.ctx.timing.resyncIntervalMs;
    if (resync) this.lastResync = now;
    for (const uid of new Set([...pods.keys(), ...this.workers.keys()])) {
      const print = fingerprint(pods.get(uid));
      const changed = print !== (this.fingerprints.get(uid) ?? "");
      this.fingerprints.set(uid, print);
      if (!this.workers.has(uid) && !(this.desiredKnown && changed)) continue;
      // What runs for a pod nobody asked for is an orphan: its worker (with no pod) removes it.
      if (changed || resync) this.worker(uid).requestSync();
    }
  }
}
