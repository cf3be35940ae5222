// coordination.k8s.io/v1 Lease: node heartbeats and leader election.
// Field names and types are those of the Kubernetes v1.35 API types (k8s.io/api, k8s.io/apimachinery).

import type { z } from "zod";
import { int32, microTime, str, struct } from "../kit.ts";
import { kind } from "../meta.ts";

export const leaseSpecSchema = struct("LeaseSpec", {
  holderIdentity: str,
  leaseDurationSeconds: int32,
  acquireTime: microTime,
  renewTime: microTime,
  leaseTransitions: int32,
  strategy: str,
  preferredHolder: str,
});
export type LeaseSpec = z.infer<typeof leaseSpecSchema>;

export const leaseSchema = kind("Lease", {
  spec: leaseSpecSchema,
});
export type Lease = z.infer<typeof leaseSchema>;
