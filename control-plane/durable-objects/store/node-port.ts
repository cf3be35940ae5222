// NodePort allocation from the service node port range (--service-node-port-range, 30000-32767 by
// default), as kube-apiserver's port allocator does it: a port asked for is checked against the
// range and the ports in use; a free one is picked at random from the upper part of the range
// first, so the lower part stays free for ports asked for by number (upstream's static subrange).

import { and, eq } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { allocations } from "./tables.ts";

const POOL = "node-port";

export interface PortRange {
  base: number;
  size: number;
  text: string;
}

/** Parses "30000-32767" (or a single port) as --service-node-port-range does. */
export function parsePortRange(text: string): PortRange {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`SERVICE_NODE_PORT_RANGE "${text}" is not a port range such as 30000-32767`);
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  if (low < 1 || high > 65535 || low > high)
    throw new Error(`SERVICE_NODE_PORT_RANGE "${text}" must be two ports from 1 to 65535, the lower first`);
  return { base: low, size: high - low + 1, text: `${low}-${high}` };
}

/** The size of the lower part kept for ports asked for by number: min(max(16, size/32), 128). */
export function staticBand(range: PortRange): number {
  if (range.size <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(range.size / 32)), 128);
}

export class NodePortAllocator {
  private readonly db: DrizzleSqliteDODatabase;
  readonly range: PortRange;

  constructor(db: DrizzleSqliteDODatabase, range: PortRange) {
    this.db = db;
    this.range = range;
  }

  private taken(port: number): boolean {
    return !!this.db
      .select({ v: allocations.value })
      .from(allocations)
      .where(and(eq(allocations.pool, POOL), eq(allocations.value, String(port))))
      .get();
  }

  /** Why a port asked for cannot be had (upstream's allocator error), or undefined when it is free. */
  refusal(port: number): string | undefined {
    if (!Number.isInteger(port) || port < this.range.base || port >= this.range.base + this.range.size)
      return `provided port is not in the valid range. The range of valid ports is ${this.range.text}`;
    if (this.taken(port)) return "provided port is already allocated";
    return undefined;
  }

  /**
   * A free port other than those in `claimed` (picked by this write, not yet recorded): at random
   * in the upper part of the range, then by scanning it, then by scanning the lower part.
   */
  pick(claimed: ReadonlySet<number>): number | undefined {
    const { base, size } = this.range;
    const band = staticBand(this.range);
    for (let i = 0; i < 16; i++) {
      const port = base + band + Math.floor(Math.random() * (size - band));
      if (!claimed.has(port) && !this.taken(port)) return port;
    }
    // Nearly full: one read of the ports in use, then a scan.
    const held = new Set(this.held());
    const free = (port: number) => !claimed.has(port) && !held.has(port);
    for (let off = band; off < size; off++) if (free(base + off)) return base + off;
    for (let off = 0; off < band; off++) if (free(base + off)) return base + off;
    return undefined;
  }

  /** Every port in use. */
  held(): number[] {
    return this.db
      .select({ v: allocations.value })
      .from(allocations)
      .where(eq(allocations.pool, POOL))
      .all()
      .map((r) => Number(r.v));
  }

  reserve(port: number, owner: string): void {
    this.db
      .insert(allocations)
      .values({ pool: POOL, value: String(port), owner })
      .onConflictDoNothing()
      .run();
  }

  release(port: number): void {
    this.db
      .delete(allocations)
      .where(and(eq(allocations.pool, POOL), eq(allocations.value, String(port))))
      .run();
  }
}
