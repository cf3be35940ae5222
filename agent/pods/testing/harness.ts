// A PodManager on a fake runtime and a fake clock, with its outputs collected, for the lifecycle
// tests. Time moves only when a test calls tick(); after each step the harness waits until no
// sync, relist or probe is in flight, so assertions see a settled node.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigMap, Secret } from "../../../schemas/core/config.ts";
import type { Pod } from "../../../schemas/core/pod.ts";
import type { PodStatus } from "../../../schemas/core/pod-status.ts";
import type { Timing } from "../context.ts";
import type { AgentEvent, PodRef, PodStatusUpdate } from "../events.ts";
import { PodManager } from "../manager.ts";
import { FakeClock } from "./fake-clock.ts";
import { FakeMounter } from "./fake-mounter.ts";
import { FakeRuntime } from "./fake-runtime.ts";

export interface HarnessOptions {
  timing?: Partial<Timing>;
  clock?: FakeClock;
  runtime?: FakeRuntime;
  dir?: string;
  allowPrivileged?: boolean;
}

export class Harness {
  readonly statuses: PodStatusUpdate[] = [];
  readonly events: AgentEvent[] = [];
  readonly terminated: PodRef[] = [];
  readonly mounter = new FakeMounter();
  manager: PodManager;
  private desired: { pods: Pod[]; configMaps: ConfigMap[]; secrets: Secret[] } = {
    pods: [],
    configMaps: [],
    secrets: [],
  };

  readonly clock: FakeClock;
  readonly runtime: FakeRuntime;
  readonly dir: string;
  private readonly timing: Partial<Timing>;
  private readonly allowPrivileged: boolean;

  private constructor(
    clock: FakeClock,
    runtime: FakeRuntime,
    dir: string,
    timing: Partial<Timing>,
    allowPrivileged: boolean,
  ) {
    this.clock = clock;
    this.runtime = runtime;
    this.dir = dir;
    this.timing = timing;
    this.allowPrivileged = allowPrivileged;
    this.manager = this.newManager();
  }

  static async create(options: HarnessOptions = {}): Promise<Harness> {
    const clock = options.clock ?? new FakeClock();
    const runtime = options.runtime ?? new FakeRuntime(clock);
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "kflare-pods-")));
    const h = new Harness(clock, runtime, dir, options.timing ?? {}, options.allowPrivileged ?? false);
    await h.manager.start();
    return h;
  }

  private newManager(): PodManager {
    return new PodManager({
      runtime: this.runtime,
      clock: this.clock,
      dataDir: this.dir,
      nodeIPs: ["192.168.1.20"],
      allocatable: { cpu: "4", memory: "8Gi" },
      mounter: this.mounter,
      timing: this.timing,
      allowPrivileged: this.allowPrivileged,
      onStatus: (u) => this.statuses.push(u),
      onEvent: (e) => this.events.push(e),
      onTerminated: (p) => this.terminated.push(p),
    });
  }

  async set(pods: Pod[], configMaps: ConfigMap[] = [], secrets: Secret[] = []): Promise<void> {
    this.desired = { pods, configMaps, secrets };
    this.manager.setDesired(pods, configMaps, secrets);
    await this.manager.settled();
  }

  /**
   * Advances the clock by `ms`, stopping at every timer on the way and settling after each, so
   * the work a timer starts completes (as it would, in microseconds) before later timers fire.
   */
  async tick(ms = 1000): Promise<void> {
    const target = this.clock.now() + ms;
    for (;;) {
      const next = this.clock.nextTimerAt();
      if (next === undefined || next > target) break;
      this.clock.advance(Math.max(0, next - this.clock.now()));
      await this.manager.settled();
    }
    this.clock.advance(target - this.clock.now());
    await this.manager.settled();
  }

  /** The status last reported for the pod. */
  status(uid: string): PodStatus {
    const found = this.statuses.filter((u) => u.pod.uid === uid).at(-1);
    if (!found) throw new Error(`no status reported for ${uid}`);
    return found.status;
  }

  statusCount(uid: string): number {
    return this.statuses.filter((u) => u.pod.uid === uid).length;
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }

  eventTexts(): string[] {
    return this.events.map((e) => `${e.type} ${e.reason} ${e.message}`);
  }

  /** Simulates an agent restart: a new manager on the same runtime and disk, given the same pods (or `pods`). */
  async restartAgent(pods?: Pod[]): Promise<void> {
    if (pods) this.desired = { ...this.desired, pods };
    await this.manager.stop();
    this.manager = this.newManager();
    await this.manager.start();
    this.manager.setDesired(this.desired.pods, this.desired.configMaps, this.desired.secrets);
    await this.manager.settled();
  }

  async close(): Promise<void> {
    await this.manager.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Waits (bounded, in real time) for a condition that depends on real I/O such as a probe's HTTP call. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}
