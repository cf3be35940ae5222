// core/v1 Service.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { bool, int32, intOrString, str, strList, strMap, struct } from "../kit.ts";
import { conditionSchema, kind } from "../meta.ts";

export const servicePortSchema = struct("ServicePort", {
  name: str,
  protocol: str,
  appProtocol: str,
  port: int32,
  targetPort: intOrString,
  nodePort: int32,
});
export type ServicePort = z.infer<typeof servicePortSchema>;

export const clientIPConfigSchema = struct("ClientIPConfig", {
  timeoutSeconds: int32,
});
export type ClientIPConfig = z.infer<typeof clientIPConfigSchema>;

export const sessionAffinityConfigSchema = struct("SessionAffinityConfig", {
  clientIP: clientIPConfigSchema,
});
export type SessionAffinityConfig = z.infer<typeof sessionAffinityConfigSchema>;

export const serviceSpecSchema = struct("ServiceSpec", {
  ports: z.array(servicePortSchema),
  selector: strMap,
  clusterIP: str,
  clusterIPs: strList,
  type: str,
  externalIPs: strList,
  sessionAffinity: str,
  loadBalancerIP: str,
  loadBalancerSourceRanges: strList,
  externalName: str,
  externalTrafficPolicy: str,
  healthCheckNodePort: int32,
  publishNotReadyAddresses: bool,
  sessionAffinityConfig: sessionAffinityConfigSchema,
  ipFamilies: z.array(str),
  ipFamilyPolicy: str,
  allocateLoadBalancerNodePorts: bool,
  loadBalancerClass: str,
  internalTrafficPolicy: str,
  trafficDistribution: str,
});
export type ServiceSpec = z.infer<typeof serviceSpecSchema>;

export const portStatusSchema = struct("PortStatus", {
  port: int32,
  protocol: str,
  error: str,
});
export type PortStatus = z.infer<typeof portStatusSchema>;

export const loadBalancerIngressSchema = struct("LoadBalancerIngress", {
  ip: str,
  hostname: str,
  ipMode: str,
  ports: z.array(portStatusSchema),
});
export type LoadBalancerIngress = z.infer<typeof loadBalancerIngressSchema>;

export const loadBalancerStatusSchema = struct("LoadBalancerStatus", {
  ingress: z.array(loadBalancerIngressSchema),
});
export type LoadBalancerStatus = z.infer<typeof loadBalancerStatusSchema>;

export const serviceStatusSchema = struct("ServiceStatus", {
  loadBalancer: loadBalancerStatusSchema,
  conditions: z.array(conditionSchema),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

export const serviceSchema = kind("Service", {
  spec: serviceSpecSchema,
  status: serviceStatusSchema,
});
export type Service = z.infer<typeof serviceSchema>;
