// The containerd adapter (RuntimeClass handler "runc", the node's default): the ContainerRuntime
// interface translated to containerd's CRI plugin, the way kubelet drives it. containerd keeps
// everything (sandboxes, containers, images, CRI log files), so an agent restart adopts what runs
// by listing it; this adapter keeps only a cache of which sandbox each container belongs to.
import { mkdir, readdir, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseImageReference } from "../image-reference.ts";
import {
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type ExecResult,
  type ImageAuth,
  LABEL_POD_UID,
  type PodSandboxConfig,
  RuntimeError,
  type SandboxStatus,
  type StreamingRequest,
} from "../types.ts";
import { CriCallError, CriClient } from "./client.ts";
import { type CgroupDriver, podCgroupParent } from "./containerd-config.ts";
import type * as cri from "./cri-types.ts";

export interface CriRuntimeOptions {
  /** containerd's socket. */
  socket: string;
  /** The cgroup driver containerd was configured with: pod cgroup parents are named for it. */
  cgroupDriver: CgroupDriver;
  /** Deadline of an image pull (default 10 minutes: a Raspberry Pi on a slow line). */
  pullTimeoutMs?: number;
}

const HANDLER = "runc";
/** CRI timestamps are nanoseconds since the epoch, decoded as decimal strings ("0": unset). */
const nsToMs = (ns: string) => Number(BigInt(ns || "0") / 1_000_000n);

const STATES: Record<cri.ContainerState, ContainerStatus["state"]> = {
  CONTAINER_CREATED: "created",
  CONTAINER_RUNNING: "running",
  CONTAINER_EXITED: "exited",
  CONTAINER_UNKNOWN: "unknown",
};

/** Wraps a CRI failure as the RuntimeError the pod lifecycle reports (reason as kubelet's). */
function runtimeError(reason: string, error: unknown): RuntimeError {
  if (error instanceof RuntimeError) return error;
  return new RuntimeError(reason, error instanceof CriCallError ? error.details : String(error));
}

/** Runs `call`; a NotFound from containerd becomes `fallback`. */
async function unlessNotFound<T>(call: Promise<T>, fallback: T): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof CriCallError && error.notFound) return fallback;
    throw error;
  }
}

/** A CRI list request for one pod's objects (by the pod UID label kubelet and the agent set), or all. */
function podFilter(podUid: string | undefined): object {
  return podUid === undefined ? {} : { filter: { label_selector: { [LABEL_POD_UID]: podUid } } };
}

export class CriRuntime implements ContainerRuntime {
  readonly name = "containerd";
  readonly handlers: readonly string[] = [HANDLER];
  private readonly client: CriClient;
  private readonly options: CriRuntimeOptions;
  /** container id -> sandbox id (ContainerStatus does not carry it; ListContainers does). */
  private readonly sandboxOf = new Map<string, string>();
  /**
   * The last full status of each listed container, by the state it was read in: what a status
   * holds does not change while its state does not (start time, exit code, log path), so a list
   * costs one ListContainers call, not one ContainerStatus per container (the pod workers list
   * often: kubelet keeps a cache for the same reason).
   */
  private readonly statusCache = new Map<string, { state: cri.ContainerState; status: ContainerStatus }>();
  /** Addresses of ready sandboxes (fixed for a sandbox's life), so lists need no status calls. */
  private readonly sandboxIPs = new Map<string, string | undefined>();

  constructor(options: CriRuntimeOptions) {
    this.options = options;
    this.client = new CriClient(options.socket);
  }

  private runtime<T>(method: string, request: object, timeoutMs?: number): Promise<T> {
    return this.client.call<T>("RuntimeService", method, request, timeoutMs);
  }

  private image<T>(method: string, request: object, timeoutMs?: number): Promise<T> {
    return this.client.call<T>("ImageService", method, request, timeoutMs);
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string }> {
    const v = await this.runtime<cri.VersionResponse>("Version", { version: "v1" });
    return { runtimeName: v.runtime_name, runtimeVersion: v.runtime_version };
  }

  // --- images

  async pullImage(image: string, auth?: ImageAuth): Promise<string> {
    parseImageReference(image);
    const request = {
      image: { image },
      ...(auth !== undefined
        ? { auth: { username: auth.username ?? "", password: auth.password ?? "", auth: auth.auth ?? "" } }
        : {}),
    };
    try {
      await this.image("PullImage", request, this.options.pullTimeoutMs ?? 600_000);
    } catch (error) {
      throw runtimeError("ErrImagePull", error);
    }
    const ref = await this.imageStatus(image);
    if (ref === undefined)
      throw new RuntimeError("ErrImagePull", `${image} was pulled but containerd does not list it`);
    return ref;
  }

  async imageStatus(image: string): Promise<string | undefined> {
    const reference = parseImageReference(image);
    const { image: found } = await this.image<{ image: cri.Image | null }>("ImageStatus", { image: { image } });
    if (found === null || found.id === "") return undefined;
    // The digest reference of the repository asked for, as kubelet reports imageID.
    const repository = `${reference.registry}/${reference.repository}@`;
    return (
      found.repo_digests.find((d) => d.startsWith(repository) || d.startsWith(`${reference.repository}@`)) ??
      found.repo_digests[0] ??
      found.id
    );
  }

  // --- sandboxes

  private sandboxRequest(config: PodSandboxConfig): object {
    return {
      metadata: { name: config.name, uid: config.uid, namespace: config.namespace, attempt: config.attempt },
      // Host-network pods share the node's UTS namespace: kubelet sends no hostname for them.
      hostname: config.hostNetwork ? "" : config.hostname,
      log_directory: config.logDirectory,
      ...(config.dns !== undefined ? { dns_config: config.dns } : {}),
      port_mappings: config.portMappings.map((p) => ({
        protocol: p.protocol,
        container_port: p.containerPort,
        host_port: p.hostPort ?? 0,
        host_ip: p.hostIP ?? "",
      })),
      labels: config.labels,
      annotations: config.annotations,
      linux: {
        cgroup_parent: config.cgroupParent ?? podCgroupParent(this.options.cgroupDriver, config.uid),
        security_context: {
          namespace_options: { network: config.hostNetwork ? "NODE" : "POD", pid: "CONTAINER", ipc: "POD" },
        },
      },
    };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    await mkdir(config.logDirectory, { recursive: true });
    try {
      const { pod_sandbox_id } = await this.runtime<{ pod_sandbox_id: string }>(
        "RunPodSandbox",
        {
          config: this.sandboxRequest(config),
          runtime_handler: config.runtimeHandler === HANDLER ? "" : config.runtimeHandler,
        },
        120_000,
      );
      return pod_sandbox_id;
    } catch (error) {
      throw runtimeError("CreatePodSandboxError", error);
    }
  }

  async stopPodSandbox(id: string): Promise<void> {
    await unlessNotFound(this.runtime("StopPodSandbox", { pod_sandbox_id: id }, 120_000), undefined);
  }

  async removePodSandbox(id: string): Promise<void> {
    const status = await this.podSandboxStatus(id);
    if (status === undefined) return;
    // containerd removes only stopped sandboxes; stopping stops what still runs in it.
    await this.stopPodSandbox(id);
    await unlessNotFound(this.runtime("RemovePodSandbox", { pod_sandbox_id: id }, 120_000), undefined);
    for (const [container, sandbox] of this.sandboxOf) if (sandbox === id) this.sandboxOf.delete(container);
    if (this.options.cgroupDriver === "cgroupfs") await removeCgroupfsParent(podCgroupParent("cgroupfs", status.uid));
  }

  async podSandboxStatus(id: string): Promise<SandboxStatus | undefined> {
    const response = await unlessNotFound(
      this.runtime<{ status: cri.PodSandboxStatus | null }>("PodSandboxStatus", { pod_sandbox_id: id }),
      { status: null },
    );
    const s = response.status;
    if (s === null) return undefined;
    const ip = s.network?.ip;
    return {
      ...toSandbox(s),
      ...(ip ? { ip } : {}),
    };
  }

  /** The sandbox's pause process holds its network namespace; containerd names its pid in the verbose status. */
  async sandboxNetns(id: string): Promise<string | undefined> {
    const { info } = await this.runtime<{ info: Record<string, string> | null }>("PodSandboxStatus", {
      pod_sandbox_id: id,
      verbose: true,
    });
    const details = JSON.parse(info?.info ?? "{}") as {
      pid?: number;
      runtimeSpec?: { linux?: { namespaces?: { type: string }[] } };
    };
    const ownNetwork = details.runtimeSpec?.linux?.namespaces?.some((n) => n.type === "network") ?? false;
    return ownNetwork && details.pid ? `/proc/${details.pid}/ns/net` : undefined;
  }

  async listPodSandboxes(podUid?: string): Promise<SandboxStatus[]> {
    const { items } = await this.runtime<{ items: cri.PodSandbox[] }>("ListPodSandbox", podFilter(podUid));
    // The list carries no addresses: ask each ready sandbox once for its IP, as kubelet does.
    // Only a full list tells which sandboxes are gone.
    const listed = new Set(items.map((i) => i.id));
    if (podUid === undefined) for (const id of this.sandboxIPs.keys()) if (!listed.has(id)) this.sandboxIPs.delete(id);
    return Promise.all(
      items.map(async (item) => {
        const sandbox = toSandbox(item);
        if (item.state !== "SANDBOX_READY") return sandbox;
        if (!this.sandboxIPs.has(item.id)) this.sandboxIPs.set(item.id, (await this.podSandboxStatus(item.id))?.ip);
        const ip = this.sandboxIPs.get(item.id);
        return ip ? { ...sandbox, ip } : sandbox;
      }),
    );
  }

  // --- containers

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    const logPath = join(sandbox.logDirectory, config.logPath);
    await mkdir(dirname(logPath), { recursive: true });
    const security = config.securityContext ?? {};
    const request = {
      pod_sandbox_id: sandboxId,
      sandbox_config: this.sandboxRequest(sandbox),
      config: {
        metadata: { name: config.name, attempt: config.attempt },
        image: { image: config.image },
        command: config.command,
        args: config.args,
        working_dir: config.workingDir ?? "",
        envs: config.env.map((e) => ({ key: e.name, value: e.value })),
        mounts: config.mounts.map((m) => ({
          container_path: m.containerPath,
          host_path: m.hostPath,
          readonly: m.readOnly,
        })),
        labels: config.labels,
        annotations: config.annotations,
        log_path: config.logPath,
        stdin: config.stdin,
        tty: config.tty,
        linux: {
          resources: {
            cpu_shares: config.resources.cpuShares ?? 0,
            cpu_quota: config.resources.cpuQuotaMicros ?? 0,
            cpu_period:
              config.resources.cpuQuotaMicros !== undefined ? (config.resources.cpuPeriodMicros ?? 100_000) : 0,
            memory_limit_in_bytes: config.resources.memoryLimitBytes ?? 0,
          },
          security_context: {
            privileged: security.privileged ?? false,
            readonly_rootfs: security.readOnlyRootFilesystem ?? false,
            ...(security.runAsUser !== undefined ? { run_as_user: { value: security.runAsUser } } : {}),
            ...(security.runAsGroup !== undefined ? { run_as_group: { value: security.runAsGroup } } : {}),
            namespace_options: { network: sandbox.hostNetwork ? "NODE" : "POD", pid: "CONTAINER", ipc: "POD" },
          },
        },
      },
    };
    try {
      const { container_id } = await this.runtime<{ container_id: string }>("CreateContainer", request, 120_000);
      this.sandboxOf.set(container_id, sandboxId);
      return container_id;
    } catch (error) {
      throw runtimeError("CreateContainerError", error);
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.runtime("StartContainer", { container_id: id }, 120_000);
    } catch (error) {
      throw runtimeError("RunContainerError", error);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await unlessNotFound(
      this.runtime("StopContainer", { container_id: id, timeout: timeoutSeconds }, (timeoutSeconds + 30) * 1000),
      undefined,
    );
  }

  async removeContainer(id: string): Promise<void> {
    await unlessNotFound(this.runtime("RemoveContainer", { container_id: id }, 60_000), undefined);
    this.sandboxOf.delete(id);
    this.statusCache.delete(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const { status } = await unlessNotFound(
      this.runtime<{ status: cri.ContainerStatus | null }>("ContainerStatus", { container_id: id }),
      { status: null },
    );
    if (status === null) {
      this.statusCache.delete(id);
      return undefined;
    }
    let sandboxId = this.sandboxOf.get(id);
    if (sandboxId === undefined) {
      const { containers } = await this.runtime<{ containers: cri.Container[] }>("ListContainers", { filter: { id } });
      sandboxId = containers[0]?.pod_sandbox_id ?? "";
      this.sandboxOf.set(id, sandboxId);
    }
    const result = toStatus(status, sandboxId);
    this.statusCache.set(id, { state: status.state, status: result });
    return result;
  }

  async listContainers(podUid?: string): Promise<ContainerStatus[]> {
    const { containers } = await this.runtime<{ containers: cri.Container[] }>("ListContainers", podFilter(podUid));
    const listed = new Set(containers.map((c) => c.id));
    if (podUid === undefined)
      for (const id of this.statusCache.keys()) if (!listed.has(id)) this.statusCache.delete(id);
    for (const c of containers) this.sandboxOf.set(c.id, c.pod_sandbox_id);
    const statuses = await Promise.all(
      containers.map(async (c) => {
        const cached = this.statusCache.get(c.id);
        return cached !== undefined && cached.state === c.state ? cached.status : this.containerStatus(c.id);
      }),
    );
    return statuses.filter((s): s is ContainerStatus => s !== undefined);
  }

  async reopenContainerLog(id: string): Promise<void> {
    await this.runtime("ReopenContainerLog", { container_id: id });
  }

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    try {
      const r = await this.runtime<cri.ExecSyncResponse>(
        "ExecSync",
        { container_id: id, cmd, timeout: timeoutSeconds },
        (timeoutSeconds + 10) * 1000,
      );
      return { exitCode: r.exit_code, stdout: r.stdout, stderr: r.stderr };
    } catch (error) {
      throw runtimeError("ExecError", error);
    }
  }

  async streamingUrl(id: string, request: StreamingRequest): Promise<string> {
    const io = { stdin: request.stdin, stdout: request.stdout, stderr: request.stderr, tty: request.tty };
    try {
      const r =
        request.kind === "exec"
          ? await this.runtime<{ url: string }>("Exec", { container_id: id, cmd: request.command, ...io })
          : await this.runtime<{ url: string }>("Attach", { container_id: id, ...io });
      return r.url;
    } catch (error) {
      throw runtimeError(request.kind === "exec" ? "ExecError" : "AttachError", error);
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

function toSandbox(s: cri.PodSandbox | cri.PodSandboxStatus): SandboxStatus {
  return {
    id: s.id,
    uid: s.metadata?.uid ?? "",
    namespace: s.metadata?.namespace ?? "",
    name: s.metadata?.name ?? "",
    attempt: s.metadata?.attempt ?? 0,
    state: s.state === "SANDBOX_READY" ? "ready" : "notready",
    createdAt: nsToMs(s.created_at),
    labels: s.labels,
  };
}

function toStatus(s: cri.ContainerStatus, sandboxId: string): ContainerStatus {
  return {
    id: s.id,
    sandboxId,
    name: s.metadata?.name ?? "",
    attempt: s.metadata?.attempt ?? 0,
    state: STATES[s.state] ?? "unknown",
    createdAt: nsToMs(s.created_at),
    ...(s.started_at !== "0" ? { startedAt: nsToMs(s.started_at) } : {}),
    // containerd stamps started_at when its start call returns and finished_at from the shim's exit
    // event: a process that exits at once can look finished a millisecond before it started.
    ...(s.finished_at !== "0"
      ? {
          finishedAt: Math.max(nsToMs(s.finished_at), s.started_at !== "0" ? nsToMs(s.started_at) : 0),
          exitCode: s.exit_code,
        }
      : {}),
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.message ? { message: s.message } : {}),
    image: s.image?.image ?? "",
    imageRef: s.image_ref,
    logPath: s.log_path,
    labels: s.labels,
  };
}

/** containerd leaves a pod's cgroup parent behind (cgroupfs driver): remove it from every hierarchy. */
export async function removeCgroupfsParent(parent: string): Promise<void> {
  const root = "/sys/fs/cgroup";
  const hierarchies = (await readdir(root, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => join(root, d.name));
  // cgroup v2 has one hierarchy at the root; v1 one per controller.
  for (const base of [root, ...hierarchies]) await rmdirWhenEmpty(join(base, parent));
}

/**
 * A cgroup can only be removed once its last process has left it, and a sandbox's processes may
 * still be exiting when containerd reports it removed (seen under load: one pod in a hundred kept
 * its cgroup). EBUSY is retried for up to ~2 s; a missing cgroup is already gone.
 */
async function rmdirWhenEmpty(path: string): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      await rmdir(path);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EBUSY") return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
