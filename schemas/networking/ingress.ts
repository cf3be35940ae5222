// networking.k8s.io/v1 Ingress and IngressClass: HTTP routes by host and path to Services, served
// at the edge by kflare's Worker (IngressClass `kflare`).
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { typedLocalObjectReferenceSchema } from "../core/common.ts";
import { int32, str, strList, struct } from "../kit.ts";
import { kind } from "../meta.ts";

export const serviceBackendPortSchema = struct("ServiceBackendPort", { name: str, number: int32 });

export const ingressServiceBackendSchema = struct("IngressServiceBackend", {
  name: str,
  port: serviceBackendPortSchema,
});

export const ingressBackendSchema = struct("IngressBackend", {
  service: ingressServiceBackendSchema,
  resource: typedLocalObjectReferenceSchema,
});
export type IngressBackend = z.infer<typeof ingressBackendSchema>;

export const httpIngressPathSchema = struct("HTTPIngressPath", {
  path: str,
  pathType: str,
  backend: ingressBackendSchema,
});
export type HTTPIngressPath = z.infer<typeof httpIngressPathSchema>;

export const httpIngressRuleValueSchema = struct("HTTPIngressRuleValue", {
  paths: z.array(httpIngressPathSchema),
});

export const ingressRuleSchema = struct("IngressRule", {
  host: str,
  http: httpIngressRuleValueSchema,
});
export type IngressRule = z.infer<typeof ingressRuleSchema>;

export const ingressTLSSchema = struct("IngressTLS", { hosts: strList, secretName: str });

export const ingressSpecSchema = struct("IngressSpec", {
  ingressClassName: str,
  defaultBackend: ingressBackendSchema,
  tls: z.array(ingressTLSSchema),
  rules: z.array(ingressRuleSchema),
});
export type IngressSpec = z.infer<typeof ingressSpecSchema>;

export const ingressPortStatusSchema = struct("IngressPortStatus", { port: int32, protocol: str, error: str });

export const ingressLoadBalancerIngressSchema = struct("IngressLoadBalancerIngress", {
  ip: str,
  hostname: str,
  ports: z.array(ingressPortStatusSchema),
});

export const ingressStatusSchema = struct("IngressStatus", {
  loadBalancer: struct("IngressLoadBalancerStatus", { ingress: z.array(ingressLoadBalancerIngressSchema) }),
});

export const ingressSchema = kind("Ingress", { spec: ingressSpecSchema, status: ingressStatusSchema });
export type Ingress = z.infer<typeof ingressSchema>;

export const ingressClassParametersSchema = struct("IngressClassParametersReference", {
  apiGroup: str,
  kind: str,
  name: str,
  scope: str,
  namespace: str,
});

export const ingressClassSchema = kind("IngressClass", {
  spec: struct("IngressClassSpec", { controller: str, parameters: ingressClassParametersSchema }),
});
export type IngressClass = z.infer<typeof ingressClassSchema>;
