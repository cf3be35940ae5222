// The CRI runtime.v1 messages as the adapter reads them (decoded: enums as names, timestamps in
// nanoseconds and other 64-bit integers as decimal strings). Only the fields the adapter uses; the wire format is cri-proto.ts.

export interface KeyValueMaps {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface VersionResponse {
  runtime_name: string;
  runtime_version: string;
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export type PodSandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";

export interface PodSandboxStatus extends KeyValueMaps {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  created_at: string;
  network: { ip: string; additional_ips: { ip: string }[] } | null;
}

export interface PodSandbox extends KeyValueMaps {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  created_at: string;
}

export type ContainerState = "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

export interface Container extends KeyValueMaps {
  id: string;
  pod_sandbox_id: string;
  metadata: ContainerMetadata | null;
  image: { image: string } | null;
  image_ref: string;
  state: ContainerState;
  created_at: string;
}

export interface ContainerStatus extends KeyValueMaps {
  id: string;
  metadata: ContainerMetadata | null;
  state: ContainerState;
  created_at: string;
  started_at: string;
  finished_at: string;
  exit_code: number;
  image: { image: string } | null;
  image_ref: string;
  reason: string;
  message: string;
  log_path: string;
}

export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: string;
}

export interface ExecSyncResponse {
  stdout: Uint8Array;
  stderr: Uint8Array;
  exit_code: number;
}
