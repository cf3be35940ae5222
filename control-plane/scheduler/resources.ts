// Resource arithmetic as kube-scheduler does it: CPU in millicores, everything else in whole units,
// requests summed over containers, init containers taking the max (restartable "sidecar" init
// containers adding up with the app containers), pod-level requests overriding, overhead added.
// Quantities are parsed exactly (schemas/quantity.ts) and then held as numbers: 2^53 bytes is 8 PiB,
// beyond any node.

import type { Container } from "../../schemas/core/container.ts";
import type { PodSpec } from "../../schemas/core/pod-spec.ts";
import { milliValue, parseQuantity, unitValue } from "../../schemas/quantity.ts";
import type { Resources } from "./types.ts";

export const CPU = "cpu";
export const MEMORY = "memory";
export const EPHEMERAL_STORAGE = "ephemeral-storage";
export const PODS = "pods";

/** Upstream's stand-ins for a container that requests no CPU or memory, used only when scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

type ResourceList = Readonly<Record<string, string>>;

// Clusters use a handful of distinct quantity strings ("100m", "128Mi"); parsing each once keeps
// building requests for 10,000 pods cheap.
const milliCache = new Map<string, number>();
const unitCache = new Map<string, number>();

/** A quantity's value in the unit this resource is compared in; malformed quantities count as 0
 * (validation refuses them before they are stored). */
export function quantityValue(resource: string, text: string | number): number {
  const key = String(text);
  const cache = resource === CPU ? milliCache : unitCache;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const q = parseQuantity(text);
  const value = typeof q === "string" ? 0 : Number(resource === CPU ? milliValue(q) : unitValue(q));
  cache.set(key, value);
  return value;
}

export function emptyResources(): Resources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalars: undefined };
}

function addValue(target: Resources, name: string, value: number): void {
  switch (name) {
    case CPU:
      target.milliCPU += value;
      return;
    case MEMORY:
      target.memory += value;
      return;
    case EPHEMERAL_STORAGE:
      target.ephemeralStorage += value;
      return;
    case PODS:
      // The pod count is its own dimension (allowedPods), never a request.
      return;
    default:
      target.scalars ??= new Map();
      target.scalars.set(name, (target.scalars.get(name) ?? 0) + value);
  }
}

export function addList(target: Resources, list: ResourceList | undefined): void {
  if (!list) return;
  for (const name in list) addValue(target, name, quantityValue(name, list[name]!));
}

/** target += other, in place. */
export function addResources(target: Resources, other: Resources, sign = 1): void {
  target.milliCPU += sign * other.milliCPU;
  target.memory += sign * other.memory;
  target.ephemeralStorage += sign * other.ephemeralStorage;
  if (other.scalars) {
    target.scalars ??= new Map();
    for (const [name, v] of other.scalars) target.scalars.set(name, (target.scalars.get(name) ?? 0) + sign * v);
  }
}

function maxInto(target: Resources, other: Resources): void {
  target.milliCPU = Math.max(target.milliCPU, other.milliCPU);
  target.memory = Math.max(target.memory, other.memory);
  target.ephemeralStorage = Math.max(target.ephemeralStorage, other.ephemeralStorage);
  if (other.scalars) {
    target.scalars ??= new Map();
    for (const [name, v] of other.scalars) target.scalars.set(name, Math.max(target.scalars.get(name) ?? 0, v));
  }
}

function copy(r: Resources): Resources {
  return { ...r, scalars: r.scalars ? new Map(r.scalars) : undefined };
}

/** One container's requests; with `nonZero`, the scoring defaults stand in for missing cpu/memory. */
function containerRequests(c: Container, nonZero: boolean): Resources {
  const r = emptyResources();
  const requests = c.resources?.requests;
  addList(r, requests);
  if (nonZero) {
    if (requests?.[CPU] === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (requests?.[MEMORY] === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/** The requests the pod's containers add up to (before pod-level requests and overhead). */
function aggregateContainers(spec: PodSpec, nonZero: boolean): Resources {
  const total = emptyResources();
  for (const c of spec.containers ?? []) addResources(total, containerRequests(c, nonZero));
  // Sidecars (restartPolicy Always) keep running beside later init containers and the app, so they
  // add up; each ordinary init container runs alone, next to the sidecars started before it.
  const sidecars = emptyResources();
  const initPeak = emptyResources();
  for (const c of spec.initContainers ?? []) {
    const own = containerRequests(c, nonZero);
    if (c.restartPolicy === "Always") {
      addResources(total, own);
      addResources(sidecars, own);
      maxInto(initPeak, sidecars);
    } else {
      const running = copy(own);
      addResources(running, sidecars);
      maxInto(initPeak, running);
    }
  }
  maxInto(total, initPeak);
  return total;
}

export interface PodRequests {
  requests: Resources;
  nonZeroCPU: number;
  nonZeroMemory: number;
}

/** What a pod asks of a node: the filter's requests and the scorers' non-zero cpu/memory. */
export function podRequests(spec: PodSpec, overhead: ResourceList | undefined): PodRequests {
  const requests = aggregateContainers(spec, false);
  const podLevel = spec.resources?.requests;
  // Pod-level requests (PodLevelResources) replace the container sum for cpu and memory.
  const podCPU = podLevel?.[CPU];
  const podMemory = podLevel?.[MEMORY];
  if (podCPU !== undefined) requests.milliCPU = quantityValue(CPU, podCPU);
  if (podMemory !== undefined) requests.memory = quantityValue(MEMORY, podMemory);
  let nonZeroCPU = requests.milliCPU;
  let nonZeroMemory = requests.memory;
  const needsDefaults = (podCPU === undefined || podMemory === undefined) && hasMissingRequest(spec);
  if (needsDefaults) {
    const nonZero = aggregateContainers(spec, true);
    if (podCPU === undefined) nonZeroCPU = nonZero.milliCPU;
    if (podMemory === undefined) nonZeroMemory = nonZero.memory;
  }
  if (overhead) {
    addList(requests, overhead);
    nonZeroCPU += overhead[CPU] !== undefined ? quantityValue(CPU, overhead[CPU]) : 0;
    nonZeroMemory += overhead[MEMORY] !== undefined ? quantityValue(MEMORY, overhead[MEMORY]) : 0;
  }
  return { requests, nonZeroCPU, nonZeroMemory };
}

function hasMissingRequest(spec: PodSpec): boolean {
  for (const list of [spec.containers, spec.initContainers]) {
    for (const c of list ?? []) {
      const r = c.resources?.requests;
      if (r?.[CPU] === undefined || r[MEMORY] === undefined) return true;
    }
  }
  return false;
}

/** status.allocatable (capacity when a node reports none, as the API server's defaulting does). */
export function nodeAllocatable(
  allocatable: ResourceList | undefined,
  capacity: ResourceList | undefined,
): { resources: Resources; pods: number } {
  const list = allocatable ?? capacity ?? {};
  const resources = emptyResources();
  addList(resources, list);
  const pods = list[PODS] !== undefined ? quantityValue(PODS, list[PODS]) : 0;
  return { resources, pods };
}

export function isZero(r: Resources): boolean {
  if (r.milliCPU !== 0 || r.memory !== 0 || r.ephemeralStorage !== 0) return false;
  if (r.scalars) for (const v of r.scalars.values()) if (v !== 0) return false;
  return true;
}
