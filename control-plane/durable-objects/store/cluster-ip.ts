// ClusterIP allocation from the service CIDR, as kube-apiserver's IP allocator does: the first
// address is the `kubernetes` Service's, the rest are handed out at random, and an address asked
// for by name is checked against the range and the addresses in use.

import { and, eq } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { StatusCause } from "../../api/errors.ts";
import { allocations } from "./tables.ts";

const POOL = "cluster-ip";

export interface Cidr {
  base: number;
  size: number;
  text: string;
}

export function parseCidr(text: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`SERVICE_CIDR "${text}" is not an IPv4 CIDR such as 10.43.0.0/16`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30)
    throw new Error(`SERVICE_CIDR "${text}" must be an IPv4 /8 to /30`);
  const size = 2 ** (32 - bits);
  const addr = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  return { base: addr - (addr % size), size, text };
}

export function ipToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function ipToNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1, 5).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

/** The address the cluster DNS Service (kube-system/kube-dns) gets: the tenth, as k3s's 10.43.0.10. */
export function dnsAddress(cidr: Cidr): string {
  return ipToString(cidr.base + 10);
}

/** The address the `kubernetes` Service gets: the first usable one of the range. */
export function firstAddress(cidr: Cidr): string {
  return ipToString(cidr.base + 1);
}

export class ClusterIpAllocator {
  private readonly db: DrizzleSqliteDODatabase;
  private readonly cidr: Cidr;

  constructor(db: DrizzleSqliteDODatabase, cidr: Cidr) {
    this.db = db;
    this.cidr = cidr;
  }

  private taken(ip: string): boolean {
    return !!this.db
      .select({ v: allocations.value })
      .from(allocations)
      .where(and(eq(allocations.pool, POOL), eq(allocations.value, ip)))
      .get();
  }

  /** Checks an address a Service asks for; returns the cause to refuse it with, if any. */
  check(ip: string): StatusCause | undefined {
    const n = ipToNumber(ip);
    const field = "spec.clusterIPs";
    if (n === undefined)
      return { reason: "FieldValueInvalid", field, message: `Invalid value: ["${ip}"]: must be a valid IP address` };
    if (n <= this.cidr.base || n >= this.cidr.base + this.cidr.size - 1) {
      return {
        reason: "FieldValueInvalid",
        field,
        message: `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr.text}`,
      };
    }
    if (this.taken(ip)) {
      return {
        reason: "FieldValueInvalid",
        field,
        message: `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is already allocated`,
      };
    }
    return undefined;
  }

  /** A free address, picked at random (then by scanning, when the range is nearly full). */
  pick(): string | undefined {
    const usable = this.cidr.size - 3; // network, broadcast and the `kubernetes` address
    for (let i = 0; i < 16; i++) {
      const ip = ipToString(this.cidr.base + 2 + Math.floor(Math.random() * usable));
      if (!this.taken(ip)) return ip;
    }
    for (let off = 2; off < this.cidr.size - 1; off++) {
      const ip = ipToString(this.cidr.base + off);
      if (!this.taken(ip)) return ip;
    }
    return undefined;
  }

  reserve(ip: string, owner: string): void {
    this.db.insert(allocations).values({ pool: POOL, value: ip, owner }).onConflictDoNothing().run();
  }

  release(ip: string): void {
    this.db
      .delete(allocations)
      .where(and(eq(allocations.pool, POOL), eq(allocations.value, ip)))
      .run();
  }
}
