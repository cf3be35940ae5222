// The Service strategy: upstream's defaults (ClusterIP, sessionAffinity None, TCP, targetPort = port,
// traffic policies, single-stack IPv4 families), validation of ports, type and IPs, and an update
// rule keeping an assigned clusterIP. Allocating the clusterIP and node ports is the store's job (it
// needs state), and so is checking the fields only some types use (validateServiceTypeFields): an
// update changing the type drops the old type's values first, which needs the stored object.

import { type Service, type ServiceSpec, serviceSchema } from "../../../schemas/core/service.ts";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isIP,
  isQualifiedName,
  isValidPortNum,
} from "../../../schemas/validation/names.ts";
import type { StatusCause } from "../errors.ts";
import { defineStrategy, resourceOf } from "./base.ts";
import { validatePortNumOrName } from "./container-validation.ts";
import { child, duplicate, forbidden, index, invalid, invalidEach, notSupported, required } from "./field.ts";
import { nameIsDNS1035Label, validateLabels } from "./meta.ts";

const TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const AFFINITIES = ["ClientIP", "None"];
const FAMILY_POLICIES = ["SingleStack", "PreferDualStack", "RequireDualStack"];
const TRAFFIC_POLICIES = ["Cluster", "Local"];
/** ClientIP affinity's default timeout: three hours. */
const DEFAULT_AFFINITY_SECONDS = 10800;

function externallyAccessible(spec: ServiceSpec): boolean {
  return spec.type === "LoadBalancer" || spec.type === "NodePort" || (spec.externalIPs?.length ?? 0) > 0;
}

export function applyServiceDefaults(svc: Service): void {
  svc.spec ??= {};
  const spec = svc.spec;
  spec.sessionAffinity ||= "None";
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP" && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_AFFINITY_SECONDS } };
  }
  spec.type ||= "ClusterIP";
  for (const port of spec.ports ?? []) {
    port.protocol ||= "TCP";
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === "")
      port.targetPort = port.port ?? 0;
  }
  if (externallyAccessible(spec)) spec.externalTrafficPolicy ||= "Cluster";
  if (spec.type !== "ExternalName") spec.internalTrafficPolicy ??= "Cluster";
  if (spec.type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
  // clusterIP and clusterIPs[0] name the same address.
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && spec.clusterIPs?.[0]) spec.clusterIP = spec.clusterIPs[0];
  // A single-stack IPv4 cluster: what the service REST storage fills once it has allocated.
  if (spec.type !== "ExternalName") {
    const headlessWithoutSelector = spec.clusterIP === "None" && Object.keys(spec.selector ?? {}).length === 0;
    spec.ipFamilyPolicy ||= headlessWithoutSelector ? "RequireDualStack" : "SingleStack";
    if (!spec.ipFamilies?.length) spec.ipFamilies = ["IPv4"];
  }
}

function validatePorts(spec: ServiceSpec): StatusCause[] {
  const causes: StatusCause[] = [];
  const ports = spec.ports ?? [];
  const names = new Set<string>();
  const seen = new Set<string>();
  const seenNodePorts = new Set<string>();
  ports.forEach((port, i) => {
    const p = index("spec.ports", i);
    if (ports.length > 1 && !port.name) causes.push(required(child(p, "name")));
    else if (port.name) {
      causes.push(...invalidEach(child(p, "name"), port.name, isDNS1123Label(port.name)));
      if (names.has(port.name)) causes.push(duplicate(child(p, "name"), port.name));
      else names.add(port.name);
    }
    causes.push(...invalidEach(child(p, "port"), port.port ?? 0, isValidPortNum(port.port ?? 0)));
    if (!port.protocol) causes.push(required(child(p, "protocol")));
    else if (!PROTOCOLS.includes(port.protocol))
      causes.push(notSupported(child(p, "protocol"), port.protocol, PROTOCOLS));
    causes.push(...validatePortNumOrName(port.targetPort, child(p, "targetPort")));
    if (port.appProtocol)
      causes.push(...invalidEach(child(p, "appProtocol"), port.appProtocol, isQualifiedName(port.appProtocol)));
    const key = `${port.protocol}/${port.port}`;
    if (seen.has(key)) causes.push(duplicate(p, { protocol: port.protocol, port: port.port }));
    else seen.add(key);
    // One node port per protocol: 53/TCP and 53/UDP may share a number, two TCP ports may not.
    if (!port.nodePort) return;
    const nodeKey = `${port.protocol}/${port.nodePort}`;
    if (seenNodePorts.has(nodeKey)) causes.push(duplicate(child(p, "nodePort"), port.nodePort));
    else seenNodePorts.add(nodeKey);
  });
  return causes;
}

/**
 * The fields only some types use, checked once an update's type change has dropped the values the
 * old type had (the store does both): node ports not on a ClusterIP Service, a traffic policy only
 * on an externally-accessible one, a health check port only on a LoadBalancer with policy Local.
 */
export function validateServiceTypeFields(spec: ServiceSpec): StatusCause[] {
  const causes: StatusCause[] = [];
  if (spec.type === "ClusterIP") {
    (spec.ports ?? []).forEach((port, i) => {
      if (port.nodePort)
        causes.push(forbidden(child(index("spec.ports", i), "nodePort"), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  if (spec.externalTrafficPolicy && !externallyAccessible(spec)) {
    causes.push(
      invalid(
        "spec.externalTrafficPolicy",
        spec.externalTrafficPolicy,
        "may only be set for externally-accessible services",
      ),
    );
  }
  if (spec.healthCheckNodePort && !(spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local")) {
    causes.push(
      invalid(
        "spec.healthCheckNodePort",
        spec.healthCheckNodePort,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  }
  return causes;
}

export function validateService(svc: Service): StatusCause[] {
  const spec = svc.spec ?? {};
  const causes: StatusCause[] = [];
  const type = spec.type ?? "";
  if (!type) causes.push(required("spec.type"));
  else if (!TYPES.includes(type)) causes.push(notSupported("spec.type", type, TYPES));
  if (type === "ExternalName") {
    if (spec.clusterIP) causes.push(forbidden("spec.clusterIP", "may not be set for `type` ExternalName"));
    if (!spec.externalName) causes.push(required("spec.externalName"));
    else
      causes.push(
        ...invalidEach(
          "spec.externalName",
          spec.externalName,
          isDNS1123Subdomain(spec.externalName.replace(/\.$/, "")),
        ),
      );
  } else if ((spec.ports ?? []).length === 0 && spec.clusterIP !== "None") {
    causes.push(required("spec.ports"));
  }
  causes.push(...validatePorts(spec));
  causes.push(...validateLabels(spec.selector, "spec.selector"));
  (spec.clusterIPs ?? []).forEach((ip, i) => {
    if (ip !== "None" && !isIP(ip)) {
      causes.push(
        invalid(index("spec.clusterIPs", i), ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"),
      );
    }
  });
  (spec.externalIPs ?? []).forEach((ip, i) => {
    const path = index("spec.externalIPs", i);
    if (!isIP(ip)) causes.push(invalid(path, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
    else {
      const special = specialRange(ip);
      if (special) causes.push(invalid(path, ip, special));
    }
  });
  const affinity = spec.sessionAffinity ?? "";
  if (!affinity) causes.push(required("spec.sessionAffinity"));
  else if (!AFFINITIES.includes(affinity)) causes.push(notSupported("spec.sessionAffinity", affinity, AFFINITIES));
  // Set on a type without external access: validateServiceTypeFields, once an update has dropped it.
  if (
    spec.externalTrafficPolicy &&
    externallyAccessible(spec) &&
    !TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)
  )
    causes.push(notSupported("spec.externalTrafficPolicy", spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  if (spec.internalTrafficPolicy && !TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    causes.push(notSupported("spec.internalTrafficPolicy", spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.ipFamilyPolicy && !FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    causes.push(notSupported("spec.ipFamilyPolicy", spec.ipFamilyPolicy, FAMILY_POLICIES));
  }
  (spec.ipFamilies ?? []).forEach((family, i) => {
    if (family !== "IPv4" && family !== "IPv6")
      causes.push(notSupported(index("spec.ipFamilies", i), family, ["IPv4", "IPv6"]));
  });
  return causes;
}

/** Why an address cannot be an external IP (upstream's ValidateNonSpecialIP), or undefined. */
function specialRange(ip: string): string | undefined {
  const v6 = ip.includes(":");
  const low = ip.toLowerCase();
  if (v6 ? low.replace(/[:0]/g, "") === "" : ip === "0.0.0.0") return "may not be unspecified (0.0.0.0, ::)";
  if (v6 ? low === "::1" : ip.startsWith("127.")) return "may not be in the loopback range (127.0.0.0/8, ::1/128)";
  if (v6 ? /^fe[89ab]/.test(low) : ip.startsWith("169.254."))
    return "may not be in the link-local range (169.254.0.0/16, fe80::/10)";
  if (v6 ? low.startsWith("ff02:") : ip.startsWith("224.0.0."))
    return "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)";
  return undefined;
}

/**
 * An assigned clusterIP may not change, nor the healthCheckNodePort of a Service that keeps needing
 * one. An update that leaves clusterIP out keeps the allocated one, as upstream's update does; that
 * carry-over is done here, the one update hook the strategy interface has (node ports left out are
 * carried by the store, which also drops those of a type that no longer uses them).
 */
export function validateServiceUpdate(svc: Service, old: Service): StatusCause[] {
  svc.spec ??= {};
  const spec = svc.spec;
  const prev = old.spec ?? {};
  const causes: StatusCause[] = [];
  const healthChecked = (s: ServiceSpec) => s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local";
  if (healthChecked(prev) && healthChecked(spec) && spec.healthCheckNodePort !== prev.healthCheckNodePort)
    causes.push(forbidden("spec.healthCheckNodePort", "field is immutable"));
  if (prev.type === "ExternalName" || spec.type === "ExternalName" || !prev.clusterIP) return causes;
  if (!spec.clusterIP && !spec.clusterIPs?.length) {
    spec.clusterIP = prev.clusterIP;
    spec.clusterIPs = prev.clusterIPs ?? [prev.clusterIP];
  }
  if (spec.clusterIP !== prev.clusterIP)
    causes.push(invalid("spec.clusterIPs[0]", spec.clusterIPs ?? [], "may not change once set"));
  return causes;
}

export const serviceStrategy = defineStrategy<Service>({
  resource: resourceOf("v1", "Service"),
  schema: serviceSchema,
  nameCheck: nameIsDNS1035Label,
  hasStatus: true,
  tracksGeneration: false,
  applyDefaults: applyServiceDefaults,
  validate: validateService,
  validateUpdate: validateServiceUpdate,
  prepareForCreate: (svc) => {
    svc.status = { loadBalancer: {} };
  },
});
