// core/v1 Endpoints: the legacy, one-object-per-Service list of a Service's backends, kept for old
// clients beside the EndpointSlices that replace it.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { int32, str, struct } from "../kit.ts";
import { kind } from "../meta.ts";
import { objectReferenceSchema } from "./common.ts";

export const endpointAddressSchema = struct("EndpointAddress", {
  ip: str,
  hostname: str,
  nodeName: str,
  targetRef: objectReferenceSchema,
});
export type EndpointAddress = z.infer<typeof endpointAddressSchema>;

export const endpointPortSchema = struct("EndpointPort", {
  name: str,
  port: int32,
  protocol: str,
  appProtocol: str,
});
export type EndpointPort = z.infer<typeof endpointPortSchema>;

export const endpointSubsetSchema = struct("EndpointSubset", {
  addresses: z.array(endpointAddressSchema),
  notReadyAddresses: z.array(endpointAddressSchema),
  ports: z.array(endpointPortSchema),
});
export type EndpointSubset = z.infer<typeof endpointSubsetSchema>;

export const endpointsSchema = kind("Endpoints", {
  subsets: z.array(endpointSubsetSchema),
});
export type Endpoints = z.infer<typeof endpointsSchema>;
