// The container runtime interface the agent drives, shaped after the CRI (kubelet's contract with
// containerd) so the containerd adapter is a thin translation: pod sandboxes own the network
// identity, containers run inside them. Adapters: fake (tests), wasm (jco), cri (containerd).
// Every adapter passes the same contract suite (runtime/contract.ts).

/** Labels every sandbox and container carries, so an agent restart adopts what already runs. */
export const LABEL_POD_UID = "io.kubernetes.pod.uid";
export const LABEL_POD_NAME = "io.kubernetes.pod.name";
export const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
export const LABEL_CONTAINER_NAME = "io.kubernetes.container.name";
/** Hash of the container's spec: a restarted agent keeps a container whose spec did not change. */
export const LABEL_SPEC_HASH = "kflare.dev/spec-hash";

export interface PortMapping {
  containerPort: number;
  hostPort?: number;
  protocol: "TCP" | "UDP" | "SCTP";
  hostIP?: string;
}

export interface PodSandboxConfig {
  uid: string;
  namespace: string;
  name: string;
  hostname: string;
  /** Attempt number: a sandbox re-created for the same pod counts up. */
  attempt: number;
  /** Where container log files of this pod go (one directory per pod). */
  logDirectory: string;
  portMappings: PortMapping[];
  /** Host networking (hostNetwork: true, or a runtime without pod networks). */
  hostNetwork: boolean;
  /** The RuntimeClass handler: "runc", "wasm"... */
  runtimeHandler: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** resolv.conf for the pod (cluster DNS comes with the networking issue). */
  dns?: { servers: string[]; searches: string[]; options: string[] };
  /** cgroup parent for the pod's containers (containerd adapter). */
  cgroupParent?: string;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface ContainerResources {
  /** requests.cpu as CPU shares (1 CPU = 1024). */
  cpuShares?: number;
  /** limits.cpu as a CFS quota per 100 ms period, in microseconds. */
  cpuQuotaMicros?: number;
  cpuPeriodMicros?: number;
  /** limits.memory in bytes: enforced (OOMKilled beyond it). */
  memoryLimitBytes?: number;
}

export interface ContainerConfig {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: { name: string; value: string }[];
  workingDir?: string;
  mounts: Mount[];
  resources: ContainerResources;
  /** Log file path relative to the sandbox's logDirectory. */
  logPath: string;
  stdin: boolean;
  tty: boolean;
  /** Container ports (wasi:http components serve on the first TCP one). */
  ports: { containerPort: number; protocol: "TCP" | "UDP" | "SCTP"; name?: string }[];
  securityContext?: { runAsUser?: number; runAsGroup?: number; readOnlyRootFilesystem?: boolean; privileged?: boolean };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Restart count of this container in its pod (the runtime records it as the attempt). */
  attempt: number;
}

export type ContainerState = "created" | "running" | "exited" | "unknown";

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerState;
  /** ms since the epoch. */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** "OOMKilled", "Error", "Completed"... as the CRI reports them. */
  reason?: string;
  message?: string;
  image: string;
  imageRef: string;
  /** Absolute path of the container's log file. */
  logPath: string;
  labels: Record<string, string>;
  /** The adapter running it where a node has several ("containerd", "wasm"): the containerID's scheme. */
  runtime?: string;
}

export interface SandboxStatus {
  id: string;
  uid: string;
  namespace: string;
  name: string;
  attempt: number;
  state: "ready" | "notready";
  /** The pod's IP (host networking: the node's). */
  ip?: string;
  createdAt: number;
  labels: Record<string, string>;
}

export interface ImageAuth {
  username?: string;
  password?: string;
  auth?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/** An interactive session into a container: a new process (exec) or the container's own (attach). */
export interface StreamingRequest {
  kind: "exec" | "attach";
  /** The command (exec only). */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A runtime error the agent reports in container states (ErrImagePull, InvalidImageName...). */
export class RuntimeError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = "RuntimeError";
    this.reason = reason;
  }
}

export interface ContainerRuntime {
  /** "fake", "wasm", "containerd". */
  readonly name: string;
  /** The RuntimeClass handlers this runtime serves. */
  readonly handlers: readonly string[];
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>;

  /**
   * Pulls an image (throws RuntimeError "ErrImagePull" / "InvalidImageName"); returns its resolved
   * reference. `handler` (the pod's RuntimeClass handler) picks the image store where a node has several.
   */
  pullImage(image: string, auth?: ImageAuth, handler?: string): Promise<string>;
  /** The image's resolved reference when present locally. */
  imageStatus(image: string, handler?: string): Promise<string | undefined>;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<SandboxStatus | undefined>;
  /**
   * Every sandbox, or with `podUid` those of that pod (a runtime may answer more: callers group by
   * the pod UID label). A pod's sync asks for its own; on a node of many pods, listing them all for
   * each sync made every pod start cost in proportion to the pods already running.
   */
  listPodSandboxes(podUid?: string): Promise<SandboxStatus[]>;

  createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
  /** Every container, or with `podUid` those of that pod (possibly more, as listPodSandboxes). */
  listContainers(podUid?: string): Promise<ContainerStatus[]>;

  /**
   * Opens a fresh log file at the container's log path after the agent renamed the old one (log
   * rotation). Runtimes without it are rotated by copy and truncate.
   */
  reopenContainerLog?(id: string): Promise<void>;

  /** Runs a command in a container (exec probes); runtimes that cannot throw RuntimeError "NotSupported". */
  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>;

  /**
   * The URL of the runtime's streaming server for one interactive exec or attach session (CRI Exec
   * and Attach). Runtimes without one leave it out (or throw RuntimeError "NotSupported").
   */
  streamingUrl?(id: string, request: StreamingRequest): Promise<string>;

  /**
   * A path to the network namespace of a ready sandbox (/proc/<pid>/ns/net), to reach what listens
   * on its own loopback (port-forward); undefined for a sandbox on the node's network.
   */
  sandboxNetns?(id: string): Promise<string | undefined>;

  /** Releases connections; running containers keep running. */
  close(): Promise<void>;
}
