// What a Service's ClusterIP does across writes, as upstream's Service storage does it: a new
// Service gets the address it asks for (checked) or a free one; an update keeps the assigned one;
// a change to ExternalName gives it back and a change from ExternalName gets one. The allocation
// table follows the committed Services exactly: every write records its address change in the
// transaction that stores it, so a dry run or a refused write holds no address.

import type { KubeObject } from "../../../schemas/object.ts";
import type { ResourceType } from "../../../schemas/registry.ts";
import { ApiError, invalid } from "../../api/errors.ts";
import type { ClusterIpAllocator } from "./cluster-ip.ts";

interface IpSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
}

function specOf(svc: KubeObject): IpSpec {
  return (svc.spec ?? {}) as IpSpec;
}

/** The address a Service holds in the allocation table, if any (headless "None" holds none). */
function heldIp(svc: KubeObject | null): string | undefined {
  if (!svc) return undefined;
  const spec = specOf(svc);
  if (spec.type === "ExternalName" || !spec.clusterIP || spec.clusterIP === "None") return undefined;
  return spec.clusterIP;
}

/** Checks the clusterIP a Service asks for, or picks a free one; fills clusterIP and clusterIPs. */
export function assignClusterIp(ips: ClusterIpAllocator, rt: ResourceType, svc: KubeObject): void {
  const spec = specOf(svc);
  if (spec.type === "ExternalName") return;
  const wanted = spec.clusterIP || spec.clusterIPs?.[0];
  if (wanted === "None") {
    spec.clusterIP = "None";
    spec.clusterIPs = ["None"];
  } else if (wanted) {
    const cause = ips.check(wanted);
    if (cause) throw invalid(rt.kind, svc.metadata.name ?? "", [cause]);
    spec.clusterIP = wanted;
    spec.clusterIPs = [wanted];
  } else {
    const ip = ips.pick();
    if (!ip)
      throw new ApiError(
        500,
        "InternalError",
        "Internal error occurred: failed to allocate a serviceIP: range is full",
      );
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }
  svc.spec = spec;
}

/** The ClusterIP part of an update (not of a status write), before the strategy's update checks. */
export function carryClusterIp(ips: ClusterIpAllocator, rt: ResourceType, obj: KubeObject, old: KubeObject): void {
  const spec = specOf(obj);
  const prev = specOf(old);
  const neededIp = prev.type !== "ExternalName";
  if (spec.type === "ExternalName") {
    // Upstream drops type-dependent fields left as they were: the old address goes back to the pool.
    if (neededIp && (!spec.clusterIP || spec.clusterIP === prev.clusterIP)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      obj.spec = spec;
    }
    return;
  }
  // From ExternalName (or from a Service stored without one): an address is assigned as on create.
  if (!neededIp || !prev.clusterIP) {
    assignClusterIp(ips, rt, obj);
    return;
  }
  // Left out: the assigned address stays (a different one is refused by the strategy as immutable).
  if (!spec.clusterIP && prev.clusterIP) {
    spec.clusterIP = prev.clusterIP;
    if (!spec.clusterIPs && prev.clusterIPs) spec.clusterIPs = prev.clusterIPs;
    obj.spec = spec;
  }
}

/** Records one committed Service write in the allocation table; call it inside the commit's transaction. */
export function recordClusterIp(
  ips: ClusterIpAllocator,
  type: "ADDED" | "MODIFIED" | "DELETED",
  value: KubeObject,
  prev: KubeObject | null,
): void {
  const before = type === "ADDED" ? undefined : heldIp(prev ?? value);
  const after = type === "DELETED" ? undefined : heldIp(value);
  if (before === after) return;
  if (before) ips.release(before);
  if (after) ips.reserve(after, `${value.metadata.namespace}/${value.metadata.name}`);
}
