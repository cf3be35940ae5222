// The scheduler's view of the cluster, kept in memory between syncs (kube-scheduler's cache): bound
// pods reduced to what scheduling reads, nodes and RuntimeClasses, primed once from the store and
// then updated from the changes the host already reads. Without it every scheduling round would
// parse every pod of the cluster.

import type { KubeObject } from "../../../../schemas/object.ts";
import type { Change } from "../../store/revision-log.ts";

const CONTAINER_FIELDS = ["name", "resources", "ports", "restartPolicy"] as const;
const SPEC_FIELDS = [
  "nodeName",
  "overhead",
  "runtimeClassName",
  "affinity",
  "tolerations",
  "priority",
  "topologySpreadConstraints",
  "nodeSelector",
  "schedulerName",
] as const;

function pick<T extends string>(
  from: Record<string, unknown> | undefined,
  keys: readonly T[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (from?.[k] !== undefined) out[k] = from[k];
  return out;
}

/** What the scheduler reads of a bound pod: a few hundred bytes instead of the whole object. */
export function slimPod(pod: KubeObject): KubeObject {
  const spec = (pod.spec ?? {}) as Record<string, unknown>;
  const containers = (key: string) =>
    ((spec[key] as Record<string, unknown>[] | undefined) ?? []).map((c) => pick(c, CONTAINER_FIELDS));
  const m = pod.metadata;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      labels: m.labels,
      ownerReferences: m.ownerReferences,
      deletionTimestamp: m.deletionTimestamp,
    },
    spec: {
      ...pick(spec, SPEC_FIELDS),
      containers: containers("containers"),
      initContainers: containers("initContainers"),
    },
    status: { phase: (pod.status as { phase?: string } | undefined)?.phase },
  };
}

function bound(pod: KubeObject): boolean {
  return !!(pod.spec as { nodeName?: string } | undefined)?.nodeName;
}

/** The resources the cache follows (storage names, as changes carry them). */
export const CACHED_RESOURCES = ["pods", "nodes", "runtimeclasses.node.k8s.io"] as const;

export class SchedulerCache {
  private primedAt: number | undefined;
  /** Every change up to this revision is applied. */
  private seen = 0;
  readonly pods = new Map<string, KubeObject>();
  readonly nodes = new Map<string, KubeObject>();
  readonly runtimeClasses = new Map<string, KubeObject>();

  get primed(): boolean {
    return this.primedAt !== undefined;
  }

  /** The revision the cache reflects. */
  get revision(): number {
    return this.seen;
  }

  /** Forgets everything: the host skipped changes (its cursor fell behind the history), so re-read. */
  reset(): void {
    this.primedAt = undefined;
  }

  prime(revision: number, pods: KubeObject[], nodes: KubeObject[], runtimeClasses: KubeObject[]): void {
    this.pods.clear();
    this.nodes.clear();
    this.runtimeClasses.clear();
    for (const p of pods) if (bound(p)) this.pods.set(p.metadata.uid ?? "", slimPod(p));
    for (const n of nodes) this.nodes.set(n.metadata.name ?? "", n);
    for (const r of runtimeClasses) this.runtimeClasses.set(r.metadata.name ?? "", r);
    this.primedAt = revision;
    this.seen = revision;
  }

  /**
   * Brings the cache up to `revision` by reading the log itself. The host hands changes to
   * controllers a round at a time; when it is behind (thousands of writes a second), a scheduler
   * planning from what the host has read so far would not see its own last binds and would
   * overfill nodes. `changesOf` reads one resource's changes after a revision, in order.
   */
  catchUp(revision: number, changesOf: (resource: string, after: number) => Change[]): void {
    if (this.primedAt === undefined || this.seen >= revision) return;
    const changes = CACHED_RESOURCES.flatMap((r) => changesOf(r, this.seen)).filter((c) => c.rv <= revision);
    changes.sort((a, b) => a.rv - b.rv);
    for (const c of changes) this.apply(c);
    this.seen = revision;
  }

  /** Applies a committed change the host read (those the cache already has are skipped). */
  observe(c: Change): void {
    if (this.primedAt === undefined || c.rv <= this.seen) return;
    this.seen = c.rv;
    this.apply(c);
  }

  private apply(c: Change): void {
    const gone = c.type === "DELETED";
    if (c.resource === "pods") {
      const uid = c.value.metadata.uid ?? "";
      if (gone || !bound(c.value)) this.pods.delete(uid);
      else this.pods.set(uid, slimPod(c.value));
    } else if (c.resource === "nodes") {
      if (gone) this.nodes.delete(c.name);
      else this.nodes.set(c.name, c.value);
    } else if (c.resource === "runtimeclasses.node.k8s.io") {
      if (gone) this.runtimeClasses.delete(c.name);
      else this.runtimeClasses.set(c.name, c.value);
    }
  }
}
