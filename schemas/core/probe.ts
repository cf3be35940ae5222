// core/v1 probes and lifecycle hooks.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import { z } from "zod";
import { int32, int64, intOrString, str, strList, struct } from "../kit.ts";

export const execActionSchema = struct("ExecAction", {
  command: strList,
});
export type ExecAction = z.infer<typeof execActionSchema>;

export const httpHeaderSchema = struct("HTTPHeader", {
  name: str,
  value: str,
});
export type HTTPHeader = z.infer<typeof httpHeaderSchema>;

export const httpGetActionSchema = struct("HTTPGetAction", {
  path: str,
  port: intOrString,
  host: str,
  scheme: str,
  httpHeaders: z.array(httpHeaderSchema),
});
export type HTTPGetAction = z.infer<typeof httpGetActionSchema>;

export const tcpSocketActionSchema = struct("TCPSocketAction", {
  port: intOrString,
  host: str,
});
export type TCPSocketAction = z.infer<typeof tcpSocketActionSchema>;

export const grpcActionSchema = struct("GRPCAction", {
  port: int32,
  service: str,
});
export type GRPCAction = z.infer<typeof grpcActionSchema>;

export const sleepActionSchema = struct("SleepAction", {
  seconds: int64,
});
export type SleepAction = z.infer<typeof sleepActionSchema>;

export const probeSchema = struct("Probe", {
  exec: execActionSchema,
  httpGet: httpGetActionSchema,
  tcpSocket: tcpSocketActionSchema,
  grpc: grpcActionSchema,
  initialDelaySeconds: int32,
  timeoutSeconds: int32,
  periodSeconds: int32,
  successThreshold: int32,
  failureThreshold: int32,
  terminationGracePeriodSeconds: int64,
});
export type Probe = z.infer<typeof probeSchema>;

export const lifecycleHandlerSchema = struct("LifecycleHandler", {
  exec: execActionSchema,
  httpGet: httpGetActionSchema,
  tcpSocket: tcpSocketActionSchema,
  sleep: sleepActionSchema,
});
export type LifecycleHandler = z.infer<typeof lifecycleHandlerSchema>;

export const lifecycleSchema = struct("Lifecycle", {
  postStart: lifecycleHandlerSchema,
  preStop: lifecycleHandlerSchema,
  stopSignal: str,
});
export type Lifecycle = z.infer<typeof lifecycleSchema>;
