// Container resources as the Linux cgroup settings kubelet derives from them: requests.cpu becomes
// CPU shares (the container's weight when the CPU is contended), limits.cpu a CFS quota per 100 ms
// period (a hard cap), limits.memory a byte limit (the OOM killer's line).

import type { Container } from "../../schemas/core/container.ts";
import { milliValue, parseQuantity, unitValue } from "../../schemas/quantity.ts";
import type { ContainerResources } from "../runtime/types.ts";

/** The kernel's floor for cpu.shares: a container with no request still gets a weight. */
export const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
const SHARES_PER_CPU = 1024;
/** The CFS period kubelet uses: 100 ms. */
export const QUOTA_PERIOD_MICROS = 100_000;
/** The kernel refuses a quota below 1 ms. */
const MIN_QUOTA_MICROS = 1000;

export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  const shares = Math.floor((milliCPU * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** 0 means "no quota" (no cpu limit). */
export function milliCPUToQuota(milliCPU: number, periodMicros = QUOTA_PERIOD_MICROS): number {
  if (milliCPU === 0) return 0;
  const quota = Math.floor((milliCPU * periodMicros) / 1000);
  return Math.max(MIN_QUOTA_MICROS, quota);
}

function milli(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const q = parseQuantity(text);
  return typeof q === "string" ? undefined : Number(milliValue(q));
}

function bytes(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const q = parseQuantity(text);
  return typeof q === "string" ? undefined : Number(unitValue(q));
}

export function containerResources(container: Container): ContainerResources {
  const limits = container.resources?.limits;
  const requests = container.resources?.requests;
  const cpuLimit = milli(limits?.cpu);
  // A limit without a request means request = limit (the API server defaults it so; kept here for
  // pods that reach the agent without that defaulting, e.g. from an old state file).
  const cpuRequest = milli(requests?.cpu) ?? cpuLimit ?? 0;
  const out: ContainerResources = { cpuShares: milliCPUToShares(cpuRequest) };
  if (cpuLimit !== undefined && cpuLimit > 0) {
    out.cpuQuotaMicros = milliCPUToQuota(cpuLimit);
    out.cpuPeriodMicros = QUOTA_PERIOD_MICROS;
  }
  const memory = bytes(limits?.memory);
  if (memory !== undefined && memory > 0) out.memoryLimitBytes = memory;
  return out;
}
