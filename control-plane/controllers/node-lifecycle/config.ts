// The node lifecycle controller's knobs, with kube-controller-manager's defaults. Every timeout is
// configurable so end-to-end tests run in seconds; a value given is checked at once, and the error
// names the field.

/** The event sources upstream's controllers record as. */
export const NODE_CONTROLLER = "node-controller";
export const TAINT_EVICTION_CONTROLLER = "taint-eviction-controller";

export interface NodeLifecycleConfig {
  /** --node-monitor-grace-period: how long a node may go unrenewed before it is Unknown. */
  gracePeriodMs: number;
  /** --node-startup-grace-period: the same for a node that never posted a Ready condition. */
  startupGracePeriodMs: number;
  /**
   * How long pods stay on a not-ready or unreachable node when they carry no toleration for it
   * (DefaultTolerationSeconds, which admission normally adds to every pod: 300 s).
   */
  podEvictionTimeoutMs: number;
  /** --node-eviction-rate: NoExecute taints added per second per zone in normal times. */
  evictionRate: number;
  /** --secondary-node-eviction-rate: the same in a partially disrupted zone of a large cluster. */
  secondaryEvictionRate: number;
  /** --unhealthy-zone-threshold: the share of not-ready nodes (more than 2) that makes a zone partially disrupted. */
  unhealthyZoneThreshold: number;
  /** --large-cluster-size-threshold: zones with at most this many nodes stop tainting when partially disrupted. */
  largeClusterSizeThreshold: number;
  /** When to run again after a node's status write deferred its taint write (the pass after upstream's monitor period). */
  followUpMs: number;
}

export const DEFAULT_NODE_LIFECYCLE_CONFIG: Readonly<NodeLifecycleConfig> = Object.freeze({
  gracePeriodMs: 40_000,
  startupGracePeriodMs: 60_000,
  podEvictionTimeoutMs: 300_000,
  evictionRate: 0.1,
  secondaryEvictionRate: 0.01,
  unhealthyZoneThreshold: 0.55,
  largeClusterSizeThreshold: 50,
  followUpMs: 1_000,
});

const POSITIVE: (keyof NodeLifecycleConfig)[] = ["gracePeriodMs", "startupGracePeriodMs"];

/** The defaults with `given` applied; throws a RangeError naming the first invalid field. */
export function resolveNodeLifecycleConfig(given: Partial<NodeLifecycleConfig> = {}): NodeLifecycleConfig {
  const config: NodeLifecycleConfig = { ...DEFAULT_NODE_LIFECYCLE_CONFIG };
  for (const key of Object.keys(DEFAULT_NODE_LIFECYCLE_CONFIG) as (keyof NodeLifecycleConfig)[]) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`config.${key} must be a finite number >= 0, got ${String(value)}`);
    }
    if (POSITIVE.includes(key) && value === 0) throw new RangeError(`config.${key} must be > 0, got 0`);
    config[key] = value;
  }
  if (config.unhealthyZoneThreshold > 1) {
    throw new RangeError(
      `config.unhealthyZoneThreshold must be a fraction in [0, 1], got ${config.unhealthyZoneThreshold}`,
    );
  }
  return config;
}
