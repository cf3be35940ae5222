// discovery.k8s.io/v1 EndpointSlice: a slice (up to 100) of a Service's endpoints with their
// readiness, what service proxies and cluster DNS read.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { objectReferenceSchema } from "../core/common.ts";
import { bool, int32, str, strList, strMap, struct } from "../kit.ts";
import { kind } from "../meta.ts";

export const endpointConditionsSchema = struct("EndpointConditions", {
  ready: bool,
  serving: bool,
  terminating: bool,
});
export type EndpointConditions = z.infer<typeof endpointConditionsSchema>;

export const forZoneSchema = struct("ForZone", { name: str });
export const forNodeSchema = struct("ForNode", { name: str });

export const endpointHintsSchema = struct("EndpointHints", {
  forZones: z.array(forZoneSchema),
  forNodes: z.array(forNodeSchema),
});

export const sliceEndpointSchema = struct("Endpoint", {
  addresses: strList,
  conditions: endpointConditionsSchema,
  hostname: str,
  targetRef: objectReferenceSchema,
  deprecatedTopology: strMap,
  nodeName: str,
  zone: str,
  hints: endpointHintsSchema,
});
export type SliceEndpoint = z.infer<typeof sliceEndpointSchema>;

export const slicePortSchema = struct("EndpointPort", {
  name: str,
  protocol: str,
  port: int32,
  appProtocol: str,
});
export type SlicePort = z.infer<typeof slicePortSchema>;

export const endpointSliceSchema = kind("EndpointSlice", {
  addressType: str,
  endpoints: z.array(sliceEndpointSchema),
  ports: z.array(slicePortSchema),
});
export type EndpointSlice = z.infer<typeof endpointSliceSchema>;
