// What a Service's NodePorts do across writes, as upstream's Service storage does it: a NodePort or
// LoadBalancer Service gets a node port for each port that names none (unless the LoadBalancer
// opts out with allocateLoadBalancerNodePorts: false), and the ones asked for are checked; a
// LoadBalancer with externalTrafficPolicy Local gets a healthCheckNodePort too. An update keeps the
// ports it had, and a change to a type without node ports gives them back and clears them. The
// allocation table follows the committed Services exactly: every write records its change in the
// transaction that stores it, so a dry run or a refused write holds no port.

import type { ServicePort, ServiceSpec } from "../../../schemas/core/service.ts";
import type { KubeObject } from "../../../schemas/object.ts";
import type { ResourceType } from "../../../schemas/registry.ts";
import { ApiError, invalid } from "../../api/errors.ts";
import { invalid as invalidValue } from "../../api/strategies/field.ts";
import { validateServiceTypeFields } from "../../api/strategies/service.ts";
import type { NodePortAllocator } from "./node-port.ts";

function specOf(svc: KubeObject): ServiceSpec {
  return (svc.spec ?? {}) as ServiceSpec;
}

/** Types reachable on a port of every node. */
function needsNodePorts(spec: ServiceSpec): boolean {
  return spec.type === "NodePort" || spec.type === "LoadBalancer";
}

/** Whether ports that name no node port get one; ports that name one are held either way. */
function allocatesNodePorts(spec: ServiceSpec): boolean {
  return spec.type === "NodePort" || (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);
}

/** A LoadBalancer keeping traffic on the node it reaches: load balancers probe that node's health port. */
function needsHealthCheckPort(spec: ServiceSpec): boolean {
  return spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
}

function externallyAccessible(spec: ServiceSpec): boolean {
  return needsNodePorts(spec) || (spec.externalIPs?.length ?? 0) > 0;
}

function portNumbers(ports: ServicePort[] | undefined): Set<number> {
  const out = new Set<number>();
  for (const p of ports ?? []) if (p.nodePort) out.add(p.nodePort);
  return out;
}

/** The node ports a Service holds in the allocation table. */
export function heldNodePorts(svc: KubeObject | null): Set<number> {
  if (!svc) return new Set();
  const spec = specOf(svc);
  const held = needsNodePorts(spec) ? portNumbers(spec.ports) : new Set<number>();
  if (needsHealthCheckPort(spec) && spec.healthCheckNodePort) held.add(spec.healthCheckNodePort);
  return held;
}

/**
 * The node port part of an update (not of a status write), before the strategy's update checks:
 * values of the old type left as they were go when the new type has no use for them (upstream's
 * dropTypeDependentFields, so `kubectl patch -p '{"spec":{"type":"ClusterIP"}}'` works), and ports
 * that name no node port keep the one their namesake had (upstream's patchAllocatedValues).
 */
export function carryNodePorts(obj: KubeObject, old: KubeObject): void {
  const spec = specOf(obj);
  const prev = specOf(old);
  const ports = spec.ports ?? [];
  const had = portNumbers(prev.ports);
  if (needsNodePorts(prev) && !needsNodePorts(spec) && [...portNumbers(ports)].every((p) => had.has(p))) {
    for (const p of ports) delete p.nodePort;
  }
  if (
    needsHealthCheckPort(prev) &&
    !needsHealthCheckPort(spec) &&
    spec.healthCheckNodePort === prev.healthCheckNodePort
  )
    delete spec.healthCheckNodePort;
  if (
    prev.type === "LoadBalancer" &&
    spec.type !== "LoadBalancer" &&
    spec.allocateLoadBalancerNodePorts !== undefined &&
    spec.allocateLoadBalancerNodePorts === prev.allocateLoadBalancerNodePorts
  )
    delete spec.allocateLoadBalancerNodePorts;
  if (
    externallyAccessible(prev) &&
    !externallyAccessible(spec) &&
    spec.externalTrafficPolicy === prev.externalTrafficPolicy
  )
    delete spec.externalTrafficPolicy;

  if (needsNodePorts(prev) && needsNodePorts(spec)) {
    // Matched by port name, as upstream; a value another port of the update names stays with it.
    const used = portNumbers(ports);
    const byName = new Map((prev.ports ?? []).map((p) => [p.name ?? "", p.nodePort ?? 0]));
    for (const p of ports) {
      const was = byName.get(p.name ?? "");
      if (!p.nodePort && was && !used.has(was)) p.nodePort = was;
    }
  }
  if (needsHealthCheckPort(prev) && needsHealthCheckPort(spec) && !spec.healthCheckNodePort)
    spec.healthCheckNodePort = prev.healthCheckNodePort;
  obj.spec = spec;
}

/** A node port of the same service port number under another protocol (53/TCP and 53/UDP share one). */
function sharedNodePort(port: ServicePort, ports: ServicePort[]): number | undefined {
  for (const other of ports) {
    const np = other.nodePort;
    if (other === port || !np || other.port !== port.port) continue;
    if (ports.some((q) => q.nodePort === np && q.protocol === port.protocol)) continue;
    return np;
  }
  return undefined;
}

function rangeFull(what: string): ApiError {
  return new ApiError(500, "InternalError", `Internal error occurred: ${what}: range is full`);
}

/**
 * Checks the node ports a Service (new, or `old` updated) asks for and fills the missing ones;
 * ports `old` held are kept without a check. Throws what kube-apiserver answers: 422 for a port
 * out of the range or held by another Service, 500 when the range is full.
 */
export function assignNodePorts(
  allocator: NodePortAllocator,
  rt: ResourceType,
  svc: KubeObject,
  old: KubeObject | null,
): void {
  const spec = specOf(svc);
  const name = svc.metadata.name ?? "";
  const typeCauses = validateServiceTypeFields(spec);
  if (typeCauses.length > 0) throw invalid(rt.kind, name, typeCauses);
  const own = heldNodePorts(old);
  const claimed = new Set<number>();
  const ports = spec.ports ?? [];
  if (needsNodePorts(spec)) {
    // The ports asked for first, so one filled in cannot take a number a later port names.
    ports.forEach((p, i) => {
      const np = p.nodePort;
      if (!np) return;
      const refusal = own.has(np) || claimed.has(np) ? undefined : allocator.refusal(np);
      if (refusal) throw invalid(rt.kind, name, [invalidValue(`spec.ports[${i}].nodePort`, np, refusal)]);
      claimed.add(np);
    });
    if (allocatesNodePorts(spec)) {
      for (const p of ports) {
        if (p.nodePort) continue;
        const np = sharedNodePort(p, ports) ?? allocator.pick(claimed);
        if (np === undefined) throw rangeFull("failed to allocate a nodePort");
        p.nodePort = np;
        claimed.add(np);
      }
    }
  }
  if (needsHealthCheckPort(spec)) {
    const hc = spec.healthCheckNodePort;
    if (hc) {
      const refusal = claimed.has(hc)
        ? "provided port is already allocated"
        : own.has(hc)
          ? undefined
          : allocator.refusal(hc);
      // Upstream answers these as internal errors, not as a field's.
      if (refusal)
        throw new ApiError(
          500,
          "InternalError",
          `Internal error occurred: failed to allocate requested HealthCheck NodePort ${hc}: ${refusal}`,
        );
    } else {
      const picked = allocator.pick(claimed);
      if (picked === undefined) throw rangeFull("failed to allocate a HealthCheck NodePort 0");
      spec.healthCheckNodePort = picked;
    }
  }
  svc.spec = spec;
}

/** Records one committed Service write in the allocation table; call it inside the commit's transaction. */
export function recordNodePorts(
  allocator: NodePortAllocator,
  type: "ADDED" | "MODIFIED" | "DELETED",
  value: KubeObject,
  prev: KubeObject | null,
): void {
  const before = type === "ADDED" ? new Set<number>() : heldNodePorts(prev ?? value);
  const after = type === "DELETED" ? new Set<number>() : heldNodePorts(value);
  for (const port of before) if (!after.has(port)) allocator.release(port);
  const owner = `${value.metadata.namespace}/${value.metadata.name}`;
  for (const port of after) if (!before.has(port)) allocator.reserve(port, owner);
}
