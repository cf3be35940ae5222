// Node IPAM: each Node gets a /24 of the cluster CIDR (k3s's 10.42.0.0/16 by default) when it
// registers, released when it is deleted, as kube-controller-manager's range allocator does.

import { and, eq } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { ipToString, parseCidr } from "./cluster-ip.ts";
import { allocations } from "./tables.ts";

const POOL = "pod-cidr";
const NODE_PREFIX = 24;

export class PodCidrAllocator {
  private readonly db: DrizzleSqliteDODatabase;
  private readonly base: number;
  private readonly count: number;

  constructor(db: DrizzleSqliteDODatabase, clusterCidr: string) {
    this.db = db;
    const cidr = parseCidr(clusterCidr);
    this.base = cidr.base;
    this.count = Math.max(1, cidr.size / 2 ** (32 - NODE_PREFIX));
  }

  /** The node's range (the one it already has, or the first free one). */
  allocate(node: string): string {
    const own = this.db
      .select({ value: allocations.value })
      .from(allocations)
      .where(and(eq(allocations.pool, POOL), eq(allocations.owner, node)))
      .get();
    if (own) return own.value;
    const taken = new Set(
      this.db
        .select({ value: allocations.value })
        .from(allocations)
        .where(eq(allocations.pool, POOL))
        .all()
        .map((r) => r.value),
    );
    for (let i = 0; i < this.count; i++) {
      const cidr = `${ipToString(this.base + i * 256)}/${NODE_PREFIX}`;
      if (taken.has(cidr)) continue;
      this.db.insert(allocations).values({ pool: POOL, value: cidr, owner: node }).run();
      return cidr;
    }
    throw new Error(`the cluster CIDR has no free /${NODE_PREFIX} left for node ${node}`);
  }

  release(node: string): void {
    this.db
      .delete(allocations)
      .where(and(eq(allocations.pool, POOL), eq(allocations.owner, node)))
      .run();
  }
}
