// What every part of the pod lifecycle shares on one node: the runtime, the clock, the outputs,
// the back-off books and the settings. Built once by PodManager.

import type { ContainerRuntime } from "../runtime/types.ts";
import type { Backoff } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import type { DnsSettings } from "./dns-config.ts";
import type { NodeAllocatable } from "./downward.ts";
import type { ConfigSource } from "./env.ts";
import type { Recorder } from "./events.ts";
import type { ImageManager } from "./images.ts";
import type { ProbeManager } from "./probes/manager.ts";
import type { TokenSource } from "./service-account-tokens.ts";
import type { ServiceForEnv } from "./service-env.ts";
import type { Mounter } from "./volumes/mounter.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
/** Never given secret content: messages name objects and keys, not values. */
export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export interface Timing {
  /** CrashLoopBackOff: 10 s doubling to 5 min; reset once a container ran 10 min. */
  crashLoop: { initialMs: number; maxMs: number; resetAfterMs: number };
  /** ImagePullBackOff: 10 s doubling to 5 min. */
  imagePull: { initialMs: number; maxMs: number };
  /** How often the runtime is listed for changes (kubelet's PLEG relist: 1 s). */
  relistIntervalMs: number;
  /** How often every pod is synced even when nothing changed (kubelet's sync frequency: 1 min). */
  resyncIntervalMs: number;
  /** How soon a pod whose sync failed is tried again (kubelet's pod worker back-off: 10 s). */
  errorResyncMs: number;
  /** Grace for containers of pods the agent has no spec for (found at start-up). */
  orphanGracePeriodSeconds: number;
}

export const DEFAULT_TIMING: Timing = {
  crashLoop: { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 },
  imagePull: { initialMs: 10_000, maxMs: 300_000 },
  relistIntervalMs: 1000,
  resyncIntervalMs: 60_000,
  errorResyncMs: 10_000,
  orphanGracePeriodSeconds: 30,
};

export interface NodeContext {
  runtime: ContainerRuntime;
  clock: Clock;
  recorder: Recorder;
  images: ImageManager;
  probes: ProbeManager;
  crashBackoff: Backoff;
  config: ConfigSource;
  timing: Timing;
  dataDir: string;
  logRoot: string;
  hostIPs: string[];
  allocatable: NodeAllocatable;
  mounter: Mounter;
  /** Whether privileged containers may run here (k-agent --allow-privileged; off by default). */
  allowPrivileged: boolean;
  /** The Services the node knows, for containers' service variables (absent: none). */
  services?: () => readonly ServiceForEnv[];
  /** Service-account tokens for projected volumes (absent: those sources are left out). */
  tokens?: TokenSource;
  /** Cluster DNS settings for pods' resolv.conf (absent: the runtime's default). */
  dns?: () => DnsSettings;
  /** The runtime handler for a RuntimeClass name; undefined when the node cannot run it. */
  runtimeHandler: (runtimeClassName: string | undefined) => string | undefined;
  log: Logger;
}
